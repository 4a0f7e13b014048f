"""`tumortrace segment` (being written; owned by its issue)."""


def register(sub) -> None:
    p = sub.add_parser("segment", help="(not yet available)")
    p.set_defaults(func=lambda args: (print("tumortrace segment: not yet available"), 1)[1])
