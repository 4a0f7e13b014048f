"""BUSI benign vs malignant: handcrafted vs deep vs fused features, grouped 5-fold cross-validation.

Usage (from the repository root)::

    python examples/busi_classification.py --data ../shared/data/busi/Dataset_BUSI_with_GT --out results/busi
    python examples/busi_classification.py --quick          # tiny run (synthetic phantoms if no data)
    python examples/busi_classification.py --configs hand_svm deep_logreg --folds 3

Protocol
--------
* Data: BUSI ``benign`` and ``malignant`` images (``normal`` dropped); each image is cropped to
  its lesion's bounding box grown by 10 % per side (:func:`hybrid.data.preprocessing.roi_crop`,
  union of all masks). Without ``--data``, the real set is looked up under ``$TUMORTRACE_DATA``
  (default ``../shared/data``); if absent, synthetic ultrasound phantoms are used
  (:func:`hybrid.data.synthetic.make_phantoms`), or always with ``--synthetic``.
* Splits: label-stratified K-fold in which near-duplicate images (perceptual hash, grouped by
  :func:`hybrid.data.load_dataset`) never cross folds (:func:`hybrid.data.splits.group_stratified_kfold`).
* Every model is fitted on the training folds only (scaling, PCA, classifier, calibration; CNN
  training with its own grouped validation hold-out) and scored **only on the held-out fold**:
  ROC-AUC (positive class ``malignant``) and balanced accuracy
  (:func:`hybrid.evaluation.classification.classification_metrics`). Reported: mean ± sample
  standard deviation (ddof=1) over folds.
* The feature extractors of the pipeline configs are stateless (nothing in them is learnt from
  labels or other images), so each image's features are computed once and shared by all folds
  and configs (:func:`extract_once`); the rest of each pipeline (``pipe[1:]``) is fitted per fold.
  "train s / fold" = that fit's wall-clock time + the extraction time of the fold's training
  images (their share of the one-off extraction), comparable with the trained CNNs' fit time.
* Configurations (``--configs``): ``hand_svm``, ``hand_xgb`` (all six handcrafted extractors at
  128 px), ``deep_logreg`` (ResNet-18 embeddings, **random initialisation** — nothing is
  downloaded — at ``--image-size`` px), ``fused_logreg`` (both, concatenated), ``cnn`` (ResNet-18
  fine-tuned end to end, random init), ``fused_cnn`` (CNN + handcrafted features in one MLP
  head) and ``deep_logreg_trained`` (see below). The two trained CNNs use ``--cnn-size`` px
  (default 96), ``--cnn-epochs`` epochs (default 8), batch 32, AdamW lr 1e-3, augmentation preset
  "A", so that they fit on 2 CPU cores; they are off by default (``--configs all`` includes them).
* ``deep_logreg_trained`` is the "trained backbone" row: ResNet-18 embeddings + logistic
  regression, where the ResNet-18 is **the backbone of the** ``cnn`` **config fine-tuned on the
  same training fold** (nothing may be downloaded, so "trained" means trained on the fold's own
  training images, not on ImageNet). Per fold: the ``cnn`` model is fitted on the training
  images (or reused when ``cnn`` runs too: one fit per fold serves both), saved with
  ``CNNClassifier.save`` to a temporary folder, and its ``weights.pt`` is loaded by
  ``CNNEmbeddings("resnet18", weights=..., image_size=--cnn-size)`` (the head is dropped, see
  :mod:`hybrid.deep.weights`); scaler + logistic regression are fitted on the training images'
  embeddings, and only the held-out images are scored. Its "train s / fold" = the CNN's fit time
  + the embedding and logistic-regression fit time (the embeddings depend on the fold, so they
  are not shared between folds).

Writes ``<out>/busi_results.json`` (atomically): settings, library versions, data summary,
per-fold metrics and the summary table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DEFAULT_CONFIGS = ("hand_svm", "hand_xgb", "deep_logreg")
ALL_CONFIGS = ("hand_svm", "hand_xgb", "deep_logreg", "fused_logreg", "cnn", "fused_cnn", "deep_logreg_trained")
#: Configs trained end to end per fold on images (no shared feature extraction).
END_TO_END = ("cnn", "fused_cnn", "deep_logreg_trained")
POSITIVE = "malignant"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="BUSI folder (Dataset_BUSI_with_GT) or any benign/malignant "
                        "folder layout; default: $TUMORTRACE_DATA/busi/Dataset_BUSI_with_GT, else phantoms")
    parser.add_argument("--synthetic", action="store_true", help="use synthetic phantoms even if data exist")
    parser.add_argument("--quick", action="store_true",
                        help="tiny run: at most 40 images per class, 2 folds, 64-px handcrafted and embedding inputs, "
                        "48-px CNN inputs, 1 CNN epoch")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--configs", nargs="+", default=list(DEFAULT_CONFIGS),
                        help=f"any of {list(ALL_CONFIGS)} or 'all' (default: {list(DEFAULT_CONFIGS)})")
    parser.add_argument("--image-size", type=int, default=128, help="CNN embedding input size (px)")
    parser.add_argument("--cnn-size", type=int, default=96, help="fine-tuned CNN input size (px)")
    parser.add_argument("--cnn-epochs", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the machine may be shared)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results") / "busi")
    args = parser.parse_args(argv)
    configs = list(ALL_CONFIGS) if args.configs == ["all"] else args.configs
    unknown = sorted(set(configs) - set(ALL_CONFIGS))
    if unknown:
        parser.error(f"unknown configs {unknown}; choose from {list(ALL_CONFIGS)} or 'all'")
    args.configs = configs
    if args.quick:
        args.folds = min(args.folds, 2)
        args.cnn_size, args.cnn_epochs, args.image_size = 48, 1, min(args.image_size, 64)
    return args


def _default_busi() -> Path:
    root = Path(os.environ.get("TUMORTRACE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    return root / "busi" / "Dataset_BUSI_with_GT"


def load_crops(args: argparse.Namespace) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, dict]:
    """Lesion crops, labels (str) and split groups, plus a description of the data."""
    from hybrid.data.preprocessing import roi_crop

    path = args.data or (None if args.synthetic else _default_busi())
    if path is not None and not args.synthetic and Path(path).is_dir():
        from hybrid.data import load_dataset

        ds = load_dataset(path, layout="auto").filter_classes(["benign", "malignant"])
        idx = np.arange(len(ds))
        if args.quick:  # first 40 of each class (deterministic)
            idx = np.concatenate([np.flatnonzero(ds.labels == c)[:40] for c in ("benign", "malignant")])
        images = [roi_crop(ds.read_image(int(i)), ds.read_mask(int(i)), pad=0.1)[0] for i in idx]
        labels, groups = ds.labels[idx], ds.groups[idx]
        info = {"source": "busi", "path": str(path), "layout": ds.layout,
                "duplicate_rule": getattr(ds, "duplicate_rule", "")}
    else:
        if args.data is not None and not args.synthetic:
            raise SystemExit(f"--data {args.data}: folder not found")
        from hybrid.data.synthetic import make_phantoms

        ph = make_phantoms(80 if args.quick else 300, size=96, seed=args.seed, difficulty=0.5)
        images = [roi_crop(im, m, pad=0.1)[0] for im, m in zip(ph.images, ph.masks)]
        labels, groups = ph.labels, ph.groups
        info = {"source": "synthetic phantoms (make_phantoms, size 96, difficulty 0.5)"}
    info.update({"n_images": len(images), "n_groups": int(np.unique(groups).size),
                 "class_counts": {str(c): int((labels == c).sum()) for c in np.unique(labels)}})
    return images, np.asarray(labels), np.asarray(groups), info


def build(config: str, args: argparse.Namespace, weights: Path | None = None):
    """An unfitted estimator for one configuration (fresh per fold).

    ``weights``: the backbone weights file of ``deep_logreg_trained`` (see
    :func:`trained_backbone_pipeline`; a placeholder name when only a description is needed).
    """
    from features.handcrafted import HandcraftedFeatures
    from hybrid.deep import CNNEmbeddings
    from hybrid.models import make_pipeline

    seed = args.seed
    hand = HandcraftedFeatures(image_size=64 if args.quick else 128)  # 2,596 columns at 128 px (union defaults)
    emb = CNNEmbeddings("resnet18", weights=None, image_size=args.image_size, batch_size=32, random_state=seed)
    if config == "hand_svm":
        return make_pipeline("handcrafted", "svm", handcrafted=hand, random_state=seed)
    if config == "hand_xgb":
        return make_pipeline("handcrafted", "xgboost", handcrafted=hand, random_state=seed, n_jobs=args.threads)
    if config == "deep_logreg":
        return make_pipeline("deep", "logreg", embeddings=emb, random_state=seed)
    if config == "fused_logreg":
        return make_pipeline("fused", "logreg", handcrafted=hand, embeddings=emb, random_state=seed)
    if config == "deep_logreg_trained":
        trained = emb.set_params(weights=weights or "<fold's cnn>/weights.pt", image_size=args.cnn_size)
        return make_pipeline("deep", "logreg", embeddings=trained, random_state=seed)
    from hybrid.models import CNNClassifier, FusedCNNClassifier

    common = dict(backbone="resnet18", weights=None, image_size=args.cnn_size, epochs=args.cnn_epochs,
                  batch_size=32, optimizer="adamw", lr=1e-3, schedule="cosine", augmentation="A",
                  class_weight="balanced", val_fraction=0.1, random_state=seed)
    if config == "cnn":
        return CNNClassifier(**common)
    return FusedCNNClassifier(handcrafted={"image_size": 128}, **common)


def _versions() -> dict:
    import sklearn
    import torch
    import xgboost

    import hybrid

    return {"python": platform.python_version(), "numpy": np.__version__, "scikit-learn": sklearn.__version__,
            "torch": torch.__version__, "xgboost": xgboost.__version__, "tumortrace": hybrid.__version__,
            "platform": platform.platform()}


def _summary(folds: list[dict]) -> dict:
    def stat(key):
        v = np.array([f[key] for f in folds], dtype=float)
        return float(np.nanmean(v)), float(np.nanstd(v, ddof=1)) if v.size > 1 else float("nan")

    out = {"n_folds": len(folds)}
    for key in ("roc_auc", "balanced_accuracy", "train_s", "fit_s"):
        out[f"{key}_mean"], out[f"{key}_std"] = stat(key)
    return out


def extract_once(name: str, extractor, images: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """Features of every image with a stateless extractor, and the seconds it took.

    Valid because neither extractor learns from data: ``HandcraftedFeatures.fit`` only checks
    its parameters, ``CNNEmbeddings.fit`` only fixes the channel count and builds the (seeded,
    random or pretrained) network. Row ``i`` is the same whichever fold ``i`` falls in. The time
    is taken after a one-image warm-up, so one-off costs (Numba compiling its kernels in a fresh
    checkout, building the network) are not charged to the folds.
    """
    fitted = extractor.fit(images[:1])
    fitted.transform(images[:1])  # warm-up
    start = time.perf_counter()
    X = fitted.transform(images)
    seconds = time.perf_counter() - start
    print(f"  {name} features {X.shape} in {seconds:.1f} s", flush=True)
    return X, seconds


def _features(config: str, pipe, images: list[np.ndarray], cache: dict) -> tuple[np.ndarray, float]:
    """Cached per-image features of a pipeline's ``features`` step (FeatureUnion = concatenation)."""
    step = pipe.named_steps["features"]
    parts = step.transformer_list if hasattr(step, "transformer_list") else [(config.split("_")[0], step)]
    blocks, seconds = [], 0.0
    for part_name, extractor in parts:
        key = part_name[:4]  # "hand" / "deep": every config uses the same two extractors
        if key not in cache:
            cache[key] = extract_once(part_name, extractor, images)
        blocks.append(cache[key][0])
        seconds += cache[key][1]
    return np.hstack(blocks), seconds


def _fit_on_images(config: str, train: np.ndarray, images: list[np.ndarray], labels: np.ndarray,
                   groups: np.ndarray, args: argparse.Namespace) -> tuple:
    """A trained CNN config fitted on the training images (grouped validation hold-out), and its fit seconds."""
    model = build(config, args)
    start = time.perf_counter()
    model.fit([images[i] for i in train], labels[train], groups=groups[train])
    return model, time.perf_counter() - start


def fold_cnn(k: int, train: np.ndarray, images: list[np.ndarray], labels: np.ndarray, groups: np.ndarray,
             args: argparse.Namespace, cache: dict | None) -> tuple:
    """The ``cnn`` config fitted on fold ``k``'s training images, and its fit seconds.

    With a ``cache`` dict the result is kept per fold until its second use, so that ``cnn`` and
    ``deep_logreg_trained`` share one fit per fold.
    """
    if cache is not None and k in cache:
        return cache.pop(k)  # the second of the two configs: free the memory
    fitted = _fit_on_images("cnn", train, images, labels, groups, args)
    if cache is not None:
        cache[k] = fitted
    return fitted


def trained_backbone_pipeline(cnn, folder: Path, args: argparse.Namespace):
    """Unfitted ResNet-18 embeddings + logistic regression whose backbone is ``cnn``'s (fine-tuned) one.

    ``cnn`` (a fitted :class:`hybrid.models.CNNClassifier`) is saved to ``folder`` (which must
    not exist) and its ``weights.pt`` becomes the ``weights`` of the pipeline's
    :class:`hybrid.deep.CNNEmbeddings`; the file must stay until the pipeline is fitted.
    """
    cnn.save(folder)
    return build("deep_logreg_trained", args, weights=Path(folder) / "weights.pt")


def _fit_predict_end_to_end(config: str, k: int, train: np.ndarray, test: np.ndarray, images: list[np.ndarray],
                            labels: np.ndarray, groups: np.ndarray, args: argparse.Namespace,
                            cnn_cache: dict | None) -> tuple[np.ndarray, np.ndarray, float, dict]:
    """``(classes_, held-out probabilities, train seconds, extra fold record)`` of a config trained
    on the fold's images (``deep_logreg_trained`` records its backbone's share, ``backbone_fit_s``)."""
    test_images = [images[i] for i in test]
    if config == "fused_cnn":
        model, fit_s = _fit_on_images(config, train, images, labels, groups, args)
        return model.classes_, model.predict_proba(test_images), fit_s, {}
    cnn, cnn_s = fold_cnn(k, train, images, labels, groups, args, cnn_cache)
    if config == "cnn":
        return cnn.classes_, cnn.predict_proba(test_images), cnn_s, {}
    with tempfile.TemporaryDirectory(prefix="busi_cnn_") as tmp:
        pipe = trained_backbone_pipeline(cnn, Path(tmp) / "cnn", args)
        start = time.perf_counter()
        pipe.fit([images[i] for i in train], labels[train])  # embeddings of the training fold only
        fit_s = time.perf_counter() - start
        proba = pipe.predict_proba(test_images)  # held-out fold only
    return pipe.classes_, proba, cnn_s + fit_s, {"backbone_fit_s": cnn_s}


def run(args: argparse.Namespace) -> dict:
    import torch
    from sklearn.base import clone

    from hybrid.data.splits import group_stratified_kfold
    from hybrid.evaluation.classification import classification_metrics

    torch.set_num_threads(args.threads)
    images, labels, groups, info = load_crops(args)
    classes = sorted(np.unique(labels), key=lambda c: c == POSITIVE)  # positive class last
    folds = group_stratified_kfold(labels, groups, n_splits=args.folds, seed=args.seed)
    print(f"data: {info['source']} — {info['n_images']} images, {info['n_groups']} groups, {info['class_counts']}")
    results = {"settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
               "versions": _versions(), "data": info, "classes": classes, "configs": {}}
    cache: dict = {}
    # one cnn fit per fold serves both configs when both run (kept in memory meanwhile)
    cnn_cache = {} if {"cnn", "deep_logreg_trained"} <= set(args.configs) else None
    n = len(images)
    for config in args.configs:
        per_fold = []
        template = build(config, args)
        end_to_end = config in END_TO_END
        if not end_to_end:
            X, extract_total = _features(config, template, images, cache)
            template = template[1:]  # scaler → [PCA] → [select] → classifier, fitted per fold
        for k, (train, test) in enumerate(folds):
            extra: dict = {}
            if end_to_end:
                model_classes, proba, fit_s, extra = _fit_predict_end_to_end(config, k, train, test, images,
                                                                             labels, groups, args, cnn_cache)
                extract_s = 0.0
            else:
                model = clone(template)
                start = time.perf_counter()
                model.fit(X[train], labels[train])
                fit_s = time.perf_counter() - start
                extract_s = extract_total * train.size / n  # the training images' share of extraction
                model_classes, proba = model.classes_, model.predict_proba(X[test])  # held-out fold only
            order = [list(model_classes).index(c) for c in classes]
            metrics = classification_metrics(labels[test], proba[:, order], classes)
            per_fold.append({"fold": k, "n_train": int(train.size), "n_test": int(test.size), "fit_s": fit_s,
                             "extract_s": extract_s, "train_s": fit_s + extract_s,
                             "roc_auc": metrics["roc_auc"], "balanced_accuracy": metrics["balanced_accuracy"],
                             **extra})
            print(f"  {config:19s} fold {k}: AUC {metrics['roc_auc']:.3f}  bal.acc "
                  f"{metrics['balanced_accuracy']:.3f}  train {fit_s + extract_s:.1f} s / fold", flush=True)
        estimator = repr(build(config, args))
        if config == "deep_logreg_trained":
            estimator = f"backbone of the fold's {build('cnn', args)!r}, then {estimator}"
        results["configs"][config] = {"estimator": estimator, "folds": per_fold, "summary": _summary(per_fold)}
    return results


def write_json(results: dict, out_dir: Path) -> Path:
    from hybrid.training.atomic import atomic_path

    target = Path(out_dir) / "busi_results.json"
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(results, indent=2, default=float))
    return target


def print_table(results: dict) -> None:
    """Summary table: ROC-AUC, balanced accuracy and train seconds per fold, mean ± std over folds."""
    print(f"\n{'config':20s} {'AUC mean ± std':>15s} {'bal. accuracy':>15s} {'train s / fold':>16s}")
    for name, res in results["configs"].items():
        s = res["summary"]
        print(f"{name:20s} {s['roc_auc_mean']:.3f} ± {s['roc_auc_std']:.3f}   "
              f"{s['balanced_accuracy_mean']:.3f} ± {s['balanced_accuracy_std']:.3f}   "
              f"{s['train_s_mean']:8.1f} ± {s['train_s_std']:.1f}")


def main(argv: list[str] | None = None) -> int:
    from threadpoolctl import threadpool_limits

    import hybrid.models  # noqa: F401  (load every BLAS library before limiting it)

    args = _parse(argv)
    # libsvm calls BLAS ddot once per kernel entry: threading such tiny calls makes the SVM many
    # times slower on a busy machine, so BLAS runs single-threaded (torch keeps --threads).
    with threadpool_limits(limits=1, user_api="blas"):
        results = run(args)
    path = write_json(results, args.out)
    print_table(results)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
