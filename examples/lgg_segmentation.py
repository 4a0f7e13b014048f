"""Segment FLAIR abnormalities in the LGG brain MRI set with a U-Net, split by patient.

Usage (from the repository root)::

    python examples/lgg_segmentation.py --data ../shared/data/lgg/kaggle_3m --out runs/lgg_unet \
        --max-minutes 30
    python examples/lgg_segmentation.py --quick      # 6 patients, tiny net, 1 epoch (a smoke run)

The library calls are the same as ``tumortrace segment train``: load the data set, hold out
whole patients, fit a :class:`~hybrid.segmentation.Segmenter` (it holds out further patients
for early stopping), predict the held-out patients at the original 256x256 size and report
per-patient Dice, mean Dice over tumor slices and the false-positive slice rate
(:func:`~hybrid.segmentation.segmentation_report`), plus overlays of the worst slices.
Buda et al. (2019, doi:10.1016/j.compbiomed.2019.05.002) report a mean per-patient Dice of
about 0.82 on the full 110-patient set.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import GroupShuffleSplit

from hybrid.data import load_dataset
from hybrid.segmentation import Segmenter, segmentation_report, write_case_overlays

DEFAULT_DATA = Path(os.environ.get("TUMORTRACE_DATA", "../shared/data")) / "lgg" / "kaggle_3m"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=Path("runs/lgg_unet"))
    parser.add_argument("--arch", default="unet", choices=["unet", "resunet"])
    parser.add_argument("--test-patients", type=int, default=8)
    parser.add_argument("--max-minutes", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="6 patients, 32 px, 1 epoch")
    args = parser.parse_args(argv)
    torch.set_num_threads(min(2, os.cpu_count() or 1))

    ds = load_dataset(args.data, layout="lgg", duplicates=False)  # groups = patient folders
    if args.quick:
        keep = np.isin(ds.groups, np.unique(ds.groups)[:6])
        ds = ds.subset(np.flatnonzero(keep))
        args.test_patients = 2
    images, masks, groups = ds.load_images(), ds.load_masks(), ds.groups
    split = GroupShuffleSplit(n_splits=1, test_size=args.test_patients, random_state=0)
    train, test = next(split.split(np.zeros(len(groups)), groups=groups))

    settings = (dict(image_size=32, base_channels=4, depth=2, epochs=1) if args.quick
                else dict(image_size=96, base_channels=8, depth=4, epochs=12, oversample_positive=2))
    seg = Segmenter(arch=args.arch, val_fraction=0.12, max_minutes=args.max_minutes, normalize="percentile",
                    checkpoint_dir=args.out / "checkpoints", random_state=0, **settings)
    seg.fit([images[i] for i in train], [masks[i] for i in train], groups=groups[train])
    seg.save(args.out / "model")

    test_images, test_masks = [images[i] for i in test], [masks[i] for i in test]
    preds = seg.predict(test_images)
    report = segmentation_report(preds, test_masks, groups[test])
    summary = {k: report[k] for k in ("mean_patient_dice", "mean_dice_tumor_slices", "fp_slice_rate",
                                      "n_groups", "n_tumor_free_groups")}
    summary["epochs"] = len(seg.history_)
    write_case_overlays(test_images, test_masks, preds, args.out / "overlays", which="worst", n=3,
                        names=[Path(ds.records[i].path).stem for i in test])
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
