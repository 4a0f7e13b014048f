"""`tumortrace data` (being written; owned by its issue)."""


def register(sub) -> None:
    p = sub.add_parser("data", help="(not yet available)")
    p.set_defaults(func=lambda args: (print("tumortrace data: not yet available"), 1)[1])
