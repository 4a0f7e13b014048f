"""`tumortrace bench` (being written; owned by its issue)."""


def register(sub) -> None:
    p = sub.add_parser("bench", help="(not yet available)")
    p.set_defaults(func=lambda args: (print("tumortrace bench: not yet available"), 1)[1])
