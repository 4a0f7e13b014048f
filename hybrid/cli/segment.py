"""``tumortrace segment``: train a tumor segmenter on LGG / BUSI, or segment new images.

``tumortrace segment train --data PATH --layout lgg|busi --out DIR [--arch unet|resunet] [--epochs N]
[--image-size S] [--max-minutes M] [--seed K] ...``
    Splits by group into training and held-out **test** groups (LGG: ``--test-groups`` patients,
    default 8 of 36, so 28 train / 8 test; BUSI benign+malignant: ``--test-fraction`` of the
    near-duplicate groups). The segmenter further holds out ``--val-fraction`` of the training
    groups for early stopping and checkpoint selection, so the test figures come from groups
    used neither for training nor for model selection. Writes ``DIR/model/`` (loadable with
    :meth:`Segmenter.load`), ``DIR/checkpoints/`` (best/last checkpoints, ``history.csv``,
    ``history.png``), ``DIR/metrics.json`` (per-patient Dice, mean Dice over tumor slices,
    false-positive slice rate, per-slice Dice, split, timing, machine load) and
    ``DIR/overlays/`` (5-panel figures of the best and worst test slices).
``tumortrace segment predict --model DIR IMAGE... --out DIR``
    Writes ``<stem>_mask.png`` (0/255) and ``<stem>_overlay.png`` per image.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np


def _load_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(max(1, int(threads)))


def _split_groups(groups: np.ndarray, layout: str, test_groups: int, test_fraction: float, seed: int):
    from sklearn.model_selection import GroupShuffleSplit

    n_groups = len(np.unique(groups))
    size = test_groups if layout == "lgg" else test_fraction
    if layout == "lgg" and not 1 <= test_groups < n_groups:
        raise ValueError(f"--test-groups must be between 1 and {n_groups - 1} (the data has {n_groups} patients)")
    splitter = GroupShuffleSplit(n_splits=1, test_size=size, random_state=seed)
    train, test = next(splitter.split(np.zeros(len(groups)), groups=groups))
    return np.sort(train), np.sort(test)


def _summary_line(report: dict, layout: str) -> str:
    """One line of test figures, in the words of the layout: LGG groups are patients, BUSI
    groups are near-duplicate groups of images; the false-positive slice rate needs tumor-free
    slices (BUSI benign/malignant has none)."""
    unit, item = ("patient", "slices") if layout == "lgg" else ("group", "images")
    n_groups = report["n_groups"] - report["n_tumor_free_groups"]
    fp = report["fp_slice_rate"]
    fp_text = f"{fp:.4f}" if np.isfinite(fp) else f"n/a (no tumor-free {item})"
    return (f"test: mean per-{unit} Dice {report['mean_patient_dice']:.4f} over {n_groups} {unit}s, "
            f"mean Dice over tumor {item} {report['mean_dice_tumor_slices']:.4f}, "
            f"false-positive {item[:-1]} rate {fp_text}")


def _train(args) -> int:
    from hybrid.data import load_dataset
    from hybrid.segmentation import Segmenter, segmentation_report, write_case_overlays
    from hybrid.training.atomic import atomic_path

    _load_threads(args.threads)
    out = Path(args.out)
    started = time.time()
    # LGG groups are the patient folders; near-duplicate merging would link patients through
    # their blank edge slices. BUSI has no patient ids: near-duplicates are the groups.
    ds = load_dataset(args.data, layout=args.layout, duplicates=args.layout == "busi", progress=args.progress)
    if args.layout == "busi":
        ds = ds.filter_classes(["benign", "malignant"])
    images = ds.load_images(progress=args.progress)
    masks = ds.load_masks(progress=args.progress)
    groups = ds.groups
    train, test = _split_groups(groups, args.layout, args.test_groups, args.test_fraction, args.seed)

    seg = Segmenter(
        arch=args.arch, image_size=args.image_size, base_channels=args.base_channels, depth=args.depth,
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, augmentation=args.augmentation,
        oversample_positive=args.oversample, val_fraction=args.val_fraction, max_minutes=args.max_minutes,
        checkpoint_dir=out / "checkpoints", resume=args.resume, random_state=args.seed, progress=args.progress,
        postprocess={"min_size": args.min_size} if args.min_size else None, patience=args.patience,
        tune_min_size=args.tune_min_size,
        normalize=None if args.normalize == "none" else args.normalize,
    )
    fit_start = time.time()
    seg.fit([images[i] for i in train], [masks[i] for i in train], groups=groups[train])
    fit_seconds = time.time() - fit_start
    seg.save(out / "model")

    test_images = [images[i] for i in test]
    test_masks = [masks[i] for i in test]
    preds = seg.predict(test_images)
    report = segmentation_report(preds, test_masks, groups[test])
    names = [Path(ds.records[i].path).stem for i in test]
    report["per_slice"] = [{"name": n, "group": str(g), "dice": d, "tumor": bool(np.any(m))}
                           for n, g, d, m in zip(names, groups[test], report.pop("dice_per_slice"), test_masks)]
    report.pop("iou_per_slice")
    history = seg.history_
    report.update(
        split={"train_groups": sorted(map(str, seg.train_groups_)), "val_groups": sorted(map(str, seg.val_groups_)),
               "test_groups": sorted(set(map(str, groups[test]))), "n_train_images": int(len(train)),
               "n_test_images": int(len(test))},
        training={"epochs_run": len(history), "best_epoch": history.best_epoch,
                  "stopped_by": history.stopped_by, "stopped_by_time": seg.stopped_by_time_,
                  "stopped_early": history.stopped_early,
                  "fit_seconds": round(fit_seconds, 1), "total_seconds": round(time.time() - started, 1),
                  "load_average": list(os.getloadavg()), "threads": args.threads},
        config=seg.get_params() | {"checkpoint_dir": str(out / "checkpoints")},
        data={"path": str(args.data), "layout": args.layout},
    )
    with atomic_path(out / "metrics.json") as tmp:
        tmp.write_text(json.dumps(report, indent=2, default=str))
    for which in ("best", "worst"):
        write_case_overlays(test_images, test_masks, preds, out / "overlays", which=which, n=args.n_overlays,
                            names=names)
    print(_summary_line(report, args.layout) + f"; {len(history)} epochs in {fit_seconds / 60:.1f} min")
    print(f"wrote {out / 'metrics.json'}, {out / 'model'}, {out / 'overlays'}")
    return 0


def _predict(args) -> int:
    from PIL import Image

    from hybrid.data import read_image
    from hybrid.segmentation import Segmenter, overlay_figure
    from hybrid.training.atomic import atomic_path

    _load_threads(args.threads)
    seg = Segmenter.load(args.model)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    images = []
    for path in args.images:
        if not Path(path).is_file():
            raise FileNotFoundError(f"image {path} not found")
        images.append(read_image(path))
    failed = 0
    for path, image, mask in zip(args.images, images, seg.predict(images)):
        stem = Path(path).stem
        try:
            with atomic_path(out / f"{stem}_mask.png") as tmp:
                Image.fromarray(mask.astype(np.uint8) * 255).save(tmp, format="PNG")
            overlay_figure(image, None, mask, out / f"{stem}_overlay.png", title=stem)
        except (OSError, ValueError) as exc:  # report and go on with the others
            print(f"tumortrace segment predict: {path}: {exc}", file=sys.stderr)
            failed += 1
    print(f"wrote {len(images) - failed} mask(s) and overlay(s) to {out}")
    return 1 if failed else 0


def register(sub) -> None:
    p = sub.add_parser("segment", help="train a tumor segmenter (U-Net/ResUNet) or segment images",
                       description=__doc__.split("\n\n", 1)[0])
    ssub = p.add_subparsers(dest="segment_command", metavar="{train,predict}")
    ssub.required = True

    t = ssub.add_parser("train", help="train on an LGG or BUSI folder and evaluate on held-out groups")
    t.add_argument("--data", required=True, help="data set folder (LGG kaggle_3m or BUSI Dataset_BUSI_with_GT)")
    t.add_argument("--layout", required=True, choices=["lgg", "busi"])
    t.add_argument("--out", required=True, help="output folder")
    t.add_argument("--arch", default="unet", choices=["unet", "resunet"])
    t.add_argument("--epochs", type=int, default=40)
    t.add_argument("--image-size", type=int, default=128)
    t.add_argument("--max-minutes", type=float, default=None, help="training time budget (checked per epoch)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--base-channels", type=int, default=16)
    t.add_argument("--depth", type=int, default=4)
    t.add_argument("--batch-size", type=int, default=16)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--augmentation", default="B", choices=["A", "B", "none"])
    t.add_argument("--oversample", type=int, default=2, help="repeat slices with tumor this many times per epoch")
    t.add_argument("--val-fraction", type=float, default=0.15,
                   help="fraction of training groups held out for early stopping / checkpoint selection")
    t.add_argument("--patience", type=int, default=None)
    t.add_argument("--normalize", default="none", choices=["none", "minmax", "percentile"],
                   help="per-image intensity normalisation before scaling to [0, 1]")
    t.add_argument("--test-groups", type=int, default=8, help="LGG: held-out test patients")
    t.add_argument("--test-fraction", type=float, default=0.2, help="BUSI: held-out fraction of groups")
    t.add_argument("--min-size", type=int, default=0, help="post-processing: remove components below N pixels")
    t.add_argument("--tune-min-size", action="store_true",
                   help="choose --min-size on the validation groups (best mean Dice over 0..1024 pixels)")
    t.add_argument("--n-overlays", type=int, default=4, help="best and worst test slices to draw")
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--resume", action="store_true", help="continue from DIR/checkpoints/last.pt")
    t.add_argument("--progress", action="store_true")
    t.set_defaults(func=_train)

    q = ssub.add_parser("predict", help="segment images with a saved model")
    q.add_argument("--model", required=True, help="folder written by 'segment train' (DIR/model)")
    q.add_argument("images", nargs="+", metavar="IMAGE")
    q.add_argument("--out", required=True)
    q.add_argument("--threads", type=int, default=2)
    q.set_defaults(func=_predict)
