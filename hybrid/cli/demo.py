"""`tumortrace demo` (being written; owned by its issue)."""


def register(sub) -> None:
    p = sub.add_parser("demo", help="(not yet available)")
    p.set_defaults(func=lambda args: (print("tumortrace demo: not yet available"), 1)[1])
