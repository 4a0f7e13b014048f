"""``tumortrace build-kernels``: compile the feature kernels ahead of time (see :mod:`features._kernels.aot`)."""

from __future__ import annotations

import argparse
import sys


def _run(args: argparse.Namespace) -> int:
    from features._kernels import aot

    if args.status:
        info = aot.backend()
        print(f"kernels: {info['kernels']} ({info['reason']})")
        return 0
    from features._kernels.build import build

    try:
        build(verbose=not args.quiet)
    except Exception as exc:  # no C compiler, read-only install folder, ...: the JIT still works
        print(f"tumortrace build-kernels: error: {type(exc).__name__}: {exc}\n"
              "The features keep using Numba's JIT kernels.", file=sys.stderr)
        return 1
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "build-kernels",
        help="compile the feature kernels ahead of time (fast cold start; needs a C compiler)",
        description="Compile the Numba feature kernels of the common input types into a CPython extension "
        "beside the kernels, for this machine's CPU. A fresh process then computes features without "
        "importing Numba. Kernels that were not built, or whose sources changed since, use Numba's JIT.",
    )
    p.add_argument("--status", action="store_true", help="only print which kernels are in use and why")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_run)
