"""``tumortrace`` command line: a thin shell over the library.

Each command lives in its own module ``hybrid.cli.<command>`` (``build-kernels``: ``kernels``) exposing
``register(subparsers)``, which adds its parser and sets ``func`` (called with the parsed
arguments, returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

_COMMANDS = ("data", "segment", "bench", "demo", "build-kernels")
_MODULES = {"build-kernels": "kernels"}


def build_parser() -> argparse.ArgumentParser:
    from hybrid import __version__

    parser = argparse.ArgumentParser(
        prog="tumortrace",
        description="Tumor classification and segmentation with handcrafted, deep and fused features.",
    )
    parser.add_argument("--version", action="version", version=f"tumortrace {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _COMMANDS:
        importlib.import_module(f"hybrid.cli.{_MODULES.get(name, name)}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (FileNotFoundError, NotADirectoryError, ValueError) as exc:
        print(f"tumortrace {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
