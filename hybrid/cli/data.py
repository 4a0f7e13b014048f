"""``tumortrace data``: check a data set on disk, or write a synthetic one.

``tumortrace data check PATH [--layout L] [--json]``
    Reads every image and mask, lists each unreadable file and goes on, and prints counts per
    class, masks, groups and near-duplicate groups (``--json``: one JSON object with keys
    ``layout, n_images, classes, n_masks, n_groups, n_duplicate_groups, unreadable`` and, for
    ``lgg``, ``n_positive``). Exit code 0 when every file was readable, 1 otherwise.
``tumortrace data synth OUT --n N --size S --seed K [--difficulty D] [--modality M]``
    Writes a ``folder``-layout phantom data set with masks (:mod:`hybrid.data.synthetic`).
"""

from __future__ import annotations

import json
import warnings


def _check(args) -> int:
    from hybrid.data import load_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # skipped files are listed in the summary
        ds = load_dataset(args.path, layout=args.layout, on_error="skip", max_distance=args.max_distance,
                          duplicates={"auto": "auto", "on": True, "off": False}[args.duplicates],
                          progress=not args.no_progress)
    summary = ds.summary()
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{ds.root}  (layout: {summary['layout']})")
        print(f"  images: {summary['n_images']}")
        for cls, count in summary["classes"].items():
            print(f"    {cls}: {count}")
        if "n_positive" in summary:
            print(f"  tumor-positive slices: {summary['n_positive']}")
        print(f"  images with masks: {summary['n_masks']}")
        print(f"  groups: {summary['n_groups']} ({summary['n_duplicate_groups']} near-duplicate groups; "
              f"near-duplicates {ds.duplicate_rule})")
        print(f"  unreadable files: {len(summary['unreadable'])}")
        for bad in summary["unreadable"]:
            print(f"    {bad['error']}")
    return 1 if summary["unreadable"] else 0


def _synth(args) -> int:
    from hybrid.data.synthetic import write_synthetic_dataset

    out = write_synthetic_dataset(args.out, n=args.n, size=args.size, seed=args.seed, difficulty=args.difficulty,
                                  modality=args.modality)
    print(f"wrote {args.n} phantoms ({args.modality}, {args.size}x{args.size}, difficulty {args.difficulty}, "
          f"seed {args.seed}) to {out}")
    return 0


def register(sub) -> None:
    from hybrid.data.layouts import LAYOUTS
    from hybrid.data.splits import DEFAULT_MAX_DISTANCE
    from hybrid.data.synthetic import MODALITIES

    p = sub.add_parser("data", help="check a data set or write a synthetic one",
                       description="Check a data set on disk, or write a synthetic phantom data set.")
    cmds = p.add_subparsers(dest="data_command", metavar="{check,synth}")
    cmds.required = True

    c = cmds.add_parser("check", help="count classes, masks, groups, near-duplicates; list unreadable files")
    c.add_argument("path", help="data set folder (or CSV manifest)")
    c.add_argument("--layout", default="auto", choices=("auto", *LAYOUTS), help="layout (default: detect)")
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.add_argument("--max-distance", type=int, default=DEFAULT_MAX_DISTANCE,
                   help=f"pHash Hamming distance linking near-duplicates (default {DEFAULT_MAX_DISTANCE})")
    c.add_argument("--duplicates", default="auto", choices=("auto", "on", "off"),
                   help="merge near-duplicates into groups (auto: only when the data have no patient ids)")
    c.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    c.set_defaults(func=_check)

    s = cmds.add_parser("synth", help="write a synthetic folder-layout data set with masks")
    s.add_argument("out", help="output folder")
    s.add_argument("--n", type=int, default=200, help="number of images (default 200)")
    s.add_argument("--size", type=int, default=128, help="image side in pixels (default 128)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--difficulty", type=float, default=0.5, help="0 = separable ... 1 = chance (default 0.5)")
    s.add_argument("--modality", default="ultrasound", choices=MODALITIES)
    s.set_defaults(func=_synth)
