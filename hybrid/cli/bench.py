"""``tumortrace bench``: run a benchmark suite (handcrafted vs deep vs fused) and write its report.

Examples::

    tumortrace bench quick --out runs/quick              # synthetic, no data needed (make demo)
    tumortrace bench busi --data ../shared/data/busi/Dataset_BUSI_with_GT --out runs/busi
    tumortrace bench quick --data my_images/ --layout folder     # the quick models on your data
    tumortrace bench --config my_suite.json                      # your own suite
    tumortrace bench busi --config overrides.json --quick        # a built-in suite, adjusted

A rerun with the same ``--out`` resumes: finished folds are read from ``OUT/folds/``.
"""

from __future__ import annotations

import argparse


def _suite_names() -> list[str]:
    from benchmarks.suites import builtin_suite_names

    return builtin_suite_names()


def register(sub) -> None:
    names = _suite_names()
    p = sub.add_parser(
        "bench",
        help="run a benchmark suite and write results.json/.csv and report.md/.html",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("suite", nargs="?", default=None, metavar="SUITE",
                   help=f"built-in suite: {', '.join(names)} (optional with --config)")
    p.add_argument("--data", default=None, metavar="PATH", help="dataset folder (overrides the suite's)")
    p.add_argument("--layout", default=None, choices=["auto", "folder", "busi", "lgg", "csv"],
                   help="dataset layout (default: the suite's, else auto)")
    p.add_argument("--out", default=None, metavar="DIR", help="output folder (default runs/<suite>)")
    p.add_argument("--quick", action="store_true", help="apply the suite's quick overrides (small and fast)")
    p.add_argument("--seed", type=int, default=None, metavar="K", help="seed (splits, subsampling, models)")
    p.add_argument("--config", default=None, metavar="FILE",
                   help="suite JSON: the whole suite, or (with SUITE) overrides merged onto it")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from benchmarks.runner import run_suite
    from hybrid.reporting.report import fmt

    if args.suite is None and args.config is None:
        raise ValueError(f"name a SUITE ({', '.join(_suite_names())}) or pass --config FILE")
    results = run_suite(args.suite, data=args.data, layout=args.layout, out=args.out, quick=args.quick,
                        config_file=args.config, seed=args.seed, progress=not args.no_progress)
    out = args.out or f"runs/{results['suite']}"
    run_info = results.get("run")
    folds = f"{run_info['computed']} folds computed, {run_info['cached']} from cache, " if run_info else ""
    print(f"suite {results['suite']}: {folds}{fmt(results['wall_time_s'], 1)} s")
    for m in results.get("models", []):
        s = m["summary"]
        key = "roc_auc" if "roc_auc" in s else "dice"
        print(f"  {m['id']:<40} {key} {fmt(s[key]['mean'])} ± {fmt(s[key]['std'])}")
    print(f"report: {out}/report.html")
    return 0
