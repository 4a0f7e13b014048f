"""The benchmark runner: turns a suite config into held-out results, ``results.json``,
``results.csv`` and ``report.md``/``report.html``.

Flow of one classification suite::

    config ─► data (synthetic phantoms or a dataset on disk; read once)
           ─► groups (dataset groups, optionally merged with near-duplicate groups)
           ─► group-stratified k-fold
           ─► for each setting × family × classifier × fold:
                  cached?  read DIR/folds/<key>/fold<k>.json
                  else     fit on the training folds, predict the test fold, write the cache
           ─► per model: fold metrics, mean ± std, pooled out-of-fold metrics + bootstrap CI
           ─► per setting: DeLong test of the best two families
           ─► results.json, results.csv, report.md, report.html

Caching and resume: each fold's result is written atomically to
``DIR/folds/<slug>-<hash>/fold<k>.json`` where ``hash`` is the SHA-256 (first 16 hex
digits) of everything that defines the model's folds: the dataset options and a
fingerprint of the data themselves (ids, labels, groups, pixel bytes), the split, the seed,
the setting, the family, the classifier and its parameters, and the versions of the packages
that compute it (tumortrace, numpy, scikit-learn, torch, xgboost). A rerun with the same config
skips finished folds; changing any of these starts new ones. A cached fold is also
checked against the current test indices. Edits to the code that keep the version number are
not seen: when changing TumorTrace itself, write to a fresh ``--out``.

Shared extraction: handcrafted features and CNN embeddings do not learn from data (their
``fit`` reads the first image's shape only), so :class:`FeatureCache` extracts them once per
setting and every fold/classifier fits its scaler, reduction and classifier on the cached
training rows (identical predictions; pinned by a test). Fold timings then add the measured
extraction time per image. End-to-end CNNs are trained per fold, after the other models.

Groups reach every fit that can use them (:func:`hybrid.models.calibration.group_fit_params`):
the CNNs' validation hold-out and the calibrated classifiers' internal folds (SVM) are grouped
by the training fold's groups, so near-duplicates never straddle them either.

Honesty rules: metrics are computed on held-out folds only; the lesion-ROI setting crops
with the *ground-truth* mask (it measures classification of a delineated lesion, not its
detection) and says so in the report; images with an empty mask are kept whole.
"""

from __future__ import annotations

import csv
import hashlib
import inspect
import io
import json
import os
import platform
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.suites import resolve_suite
from hybrid.evaluation.classification import SCALAR_METRICS, classification_metrics
from hybrid.evaluation.summary import compare_best_families, mean_std, summarize_classification
from hybrid.training.atomic import atomic_path

__all__ = ["run_suite", "DataBundle", "FeatureCache", "load_data", "config_key", "CACHE_VERSION"]

#: Bump when the content of a fold cache changes meaning.
CACHE_VERSION = 1

#: Packages whose version is part of a fold's cache key (they compute its numbers).
_KEY_PACKAGES = ("tumortrace", "numpy", "scikit-learn", "torch", "xgboost-cpu")
_PACKAGES = ("tumortrace", "numpy", "scipy", "scikit-learn", "scikit-image", "torch", "torchvision", "numba",
             "xgboost-cpu", "xgboost", "opencv-python-headless", "mahotas", "matplotlib")


# -- data ------------------------------------------------------------------------------------
@dataclass
class DataBundle:
    """Everything a suite needs from its dataset, in memory."""

    images: list[np.ndarray]
    masks: list[np.ndarray]
    y: np.ndarray  # class indices
    classes: list[str]
    groups: np.ndarray  # str
    ids: list[str]
    description: str

    def fingerprint(self) -> str:
        """SHA-256 of ids, labels, groups and pixel bytes (images and masks)."""
        h = hashlib.sha256()
        for i, (im, m) in enumerate(zip(self.images, self.masks)):
            h.update(f"{self.ids[i]}|{self.y[i]}|{self.groups[i]}|{im.shape}|{im.dtype}".encode())
            h.update(np.ascontiguousarray(im).tobytes())
            h.update(np.packbits(np.asarray(m, dtype=bool)).tobytes())
        h.update(json.dumps(self.classes).encode())
        return h.hexdigest()


def _data_root() -> Path:
    return Path(os.environ.get("TUMORTRACE_DATA", Path("..") / "shared" / "data"))


def _resolve_path(path: str) -> Path:
    p = Path(path).expanduser()
    if p.is_absolute() or p.exists():
        return p
    candidate = _data_root() / p
    if candidate.exists():
        return candidate
    raise FileNotFoundError(
        f"dataset folder not found: {path!r} (also looked in $TUMORTRACE_DATA: {candidate}); pass --data PATH"
    )


def _subsample(y: np.ndarray, max_images: int, seed: int) -> np.ndarray:
    """Seeded class-stratified subsample of at most ``max_images`` indices (sorted)."""
    if y.size <= max_images:
        return np.arange(y.size)
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    quota = np.maximum(1, np.floor(counts / y.size * max_images).astype(int))
    keep = [rng.choice(np.flatnonzero(y == c), size=min(q, n), replace=False)
            for c, q, n in zip(classes, quota, counts)]
    return np.sort(np.concatenate(keep))


def load_data(config: dict[str, Any], progress: bool = True) -> DataBundle:
    """Read (or generate) the suite's dataset into memory. Real data are read once, with tqdm
    bars (checking the files, reading them) unless ``progress`` is False."""
    ds_cfg = config["dataset"]
    seed = int(config.get("seed", 0))
    if ds_cfg.get("source", "path") == "synthetic":
        from hybrid.data.synthetic import make_phantoms

        n, size = int(ds_cfg.get("n", 120)), int(ds_cfg.get("size", 64))
        ph = make_phantoms(n, size=size, seed=seed, difficulty=float(ds_cfg.get("difficulty", 0.5)),
                           modality=ds_cfg.get("modality", "ultrasound"))
        classes = sorted(set(ph.labels.tolist()))
        y = np.array([classes.index(lbl) for lbl in ph.labels])
        desc = (f"synthetic {ds_cfg.get('modality', 'ultrasound')} phantoms (hybrid.data.synthetic, n={n}, "
                f"{size}x{size} px, difficulty={ds_cfg.get('difficulty', 0.5)})")
        return DataBundle(list(ph.images), list(ph.masks), y, classes, np.asarray(ph.groups, dtype=str),
                          [f"phantom_{i:05d}" for i in range(n)], desc)
    from hybrid.data import load_dataset

    root = _resolve_path(ds_cfg["path"])
    dataset = load_dataset(root, layout=ds_cfg.get("layout", "auto"), progress=progress)
    if ds_cfg.get("classes"):
        dataset = dataset.filter_classes(list(ds_cfg["classes"]))
    if ds_cfg.get("max_images"):
        dataset = dataset.subset(_subsample(np.asarray(dataset.y), int(ds_cfg["max_images"]), seed))
    from tqdm.auto import tqdm

    images, masks = [], []
    for i in tqdm(range(len(dataset)), desc="reading images", unit="img", disable=not progress):
        images.append(dataset.read_image(i))
        masks.append(dataset.read_mask(i))
    ids = [str(Path(r.path).relative_to(dataset.root)) if Path(r.path).is_relative_to(dataset.root) else str(r.path)
           for r in dataset.records]
    desc = f"{root.name} ({dataset.layout} layout)"
    return DataBundle(images, masks, np.asarray(dataset.y, dtype=int), list(dataset.classes),
                      np.asarray(dataset.groups, dtype=str), ids, desc)


def _groups(config: dict[str, Any], data: DataBundle) -> tuple[np.ndarray, str]:
    how = config.get("split", {}).get("group_by", "dataset")
    if how == "none":
        return np.asarray(data.ids, dtype=str), "one group per image"
    if how == "near_duplicates":
        from hybrid.data.splits import merge_groups, near_duplicate_groups

        dup = near_duplicate_groups(data.images)
        return np.asarray(merge_groups(data.groups, dup), dtype=str), "dataset groups merged with near-duplicates"
    return data.groups, "dataset groups (patient / record)"


# -- keys and cache --------------------------------------------------------------------------
def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def config_key(spec: dict[str, Any]) -> str:
    """First 16 hex digits of the SHA-256 of the canonical JSON of ``spec``.

    >>> config_key({"b": 1, "a": [1, 2]}) == config_key({"a": [1, 2], "b": 1})
    True
    """
    return hashlib.sha256(_canonical(spec).encode()).hexdigest()[:16]


def _write_json(path: Path, obj: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=1, default=_json_default) + "\n", encoding="utf-8")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _read_fold(path: Path, key: str, test_index: np.ndarray) -> dict[str, Any] | None:
    try:
        cached = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if cached.get("key") != key or cached.get("test_index") != test_index.tolist():
        return None
    return cached


# -- settings and models -----------------------------------------------------------------------
def _prepare_images(data: DataBundle, setting: dict[str, Any]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Apply a setting (channel selection, then lesion-ROI crop) to every image and mask."""
    from hybrid.data.preprocessing import roi_crop

    channels = setting.get("channels")
    images, masks = [], []
    for i, (im, m) in enumerate(zip(data.images, data.masks)):
        if channels is not None:
            if im.ndim != 3:
                raise ValueError(f"setting selects channels {channels}, but image {data.ids[i]} is 2-D")
            im = im[..., channels]
        if setting.get("roi"):
            im, m = roi_crop(im, m, pad=float(setting.get("roi_pad", 0.1)), empty="full")
        images.append(im)
        masks.append(m)
    return images, masks


def _with_seed(factory: Any, params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Add ``random_state``/``seed`` to ``params`` when ``factory`` accepts it and it is not set."""
    try:
        names = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return params
    for name in ("random_state", "seed"):
        if name in names and name not in params:
            return {**params, name: seed}
    return params


def _pipeline_params(params: dict[str, Any]) -> dict[str, Any]:
    """Suite JSON -> make_pipeline keywords: ``handcrafted``/``embeddings`` dicts become extractors."""
    out = dict(params)
    if isinstance(out.get("handcrafted"), dict):
        from features.handcrafted import HandcraftedFeatures

        out["handcrafted"] = HandcraftedFeatures(**out["handcrafted"])
    if isinstance(out.get("embeddings"), dict):
        from hybrid.deep import CNNEmbeddings

        out["embeddings"] = CNNEmbeddings(**out["embeddings"])
    return out


def _without_progress(model: Any) -> Any:
    """Set every ``progress`` parameter of ``model`` (and of its nested steps, and of
    parameter dicts such as ``FusedCNNClassifier(handcrafted={"progress": True})``) to False.

    ``progress`` is a run-control parameter (not part of the fold cache key), so silencing it
    does not change results.
    """
    quiet: dict[str, Any] = {}
    for name, value in model.get_params(deep=True).items():
        if name == "progress" or name.endswith("__progress"):
            quiet[name] = False
        elif isinstance(value, dict) and value.get("progress"):  # e.g. FusedCNNClassifier(handcrafted={...})
            quiet[name] = {**value, "progress": False}
    return model.set_params(**quiet) if quiet else model


def _build_classifier(family: str, classifier: str, spec: dict[str, Any], seed: int, progress: bool = True) -> Any:
    """An unfitted model: make_pipeline(family, classifier) or the family's end-to-end CNN.

    ``progress=False`` turns off the model's own tqdm bars whatever the suite's parameters say.
    """
    if classifier == "cnn":
        from hybrid.models import CNNClassifier, FusedCNNClassifier

        cls = CNNClassifier if family == "deep" else FusedCNNClassifier
        model = cls(**_with_seed(cls, dict(spec.get("cnn_params", {})), seed))
    else:
        from hybrid.models import make_pipeline

        params = _with_seed(make_pipeline, dict(spec.get("params", {})), seed)
        model = make_pipeline(family=family, classifier=classifier, **_pipeline_params(params))
    return model if progress else _without_progress(model)


#: Extractors whose ``fit`` looks at the first image's shape only (never at labels or pixels of
#: the training set), so their output can be computed once per setting and shared by folds.
_DATA_INDEPENDENT_EXTRACTORS = ("HandcraftedFeatures", "CNNEmbeddings")


class FeatureCache:
    """Features of every image of one setting, computed once per extractor configuration.

    A pipeline ``features -> scale -> ... -> clf`` whose ``features`` step is a
    data-independent extractor (or a ``FeatureUnion`` of them) is evaluated per fold as
    ``rest.fit(X[train])`` / ``rest.predict_proba(X[test])`` with ``X`` from this cache:
    identical predictions, one extraction instead of one per fold and classifier. Everything
    fitted on data (scaler, PCA, selection, classifier) is still fitted on the training fold
    only. ``seconds_per_image`` is the measured extraction cost, used for the fold timings; it is
    timed after a one-image warm-up, so one-off costs (Numba compiling or loading its cache,
    building a network) do not count as per-image work.
    """

    def __init__(self) -> None:
        self._store: dict[tuple[str, str], tuple[np.ndarray, float]] = {}

    @staticmethod
    def extractors(model: Any) -> list[Any] | None:
        from sklearn.pipeline import FeatureUnion, Pipeline

        if not isinstance(model, Pipeline) or model.steps[0][0] != "features":
            return None
        feats = model.steps[0][1]
        if isinstance(feats, FeatureUnion):
            if feats.transformer_weights:
                return None
            parts = [t for _, t in feats.transformer_list]
        else:
            parts = [feats]
        if not all(type(t).__name__ in _DATA_INDEPENDENT_EXTRACTORS for t in parts):
            return None
        return parts

    def features(self, setting: str, extractors: list[Any], images: list[np.ndarray]) -> tuple[np.ndarray, float]:
        """``(X, seconds_per_image)`` for the concatenated outputs of ``extractors`` on ``images``."""
        from sklearn.base import clone

        blocks, per_image = [], 0.0
        for ext in extractors:
            key = (setting, f"{type(ext).__name__}:{_canonical(ext.get_params(deep=False))}")
            if key not in self._store:
                fitted = clone(ext).fit(images[:1])
                fitted.transform(images[:1])  # warm-up: one-off Numba compilation / model build is not throughput
                t0 = time.perf_counter()
                X = fitted.transform(images)
                self._store[key] = (X, (time.perf_counter() - t0) / len(images))
            X, sec = self._store[key]
            blocks.append(X)
            per_image += sec
        return np.hstack(blocks), per_image


def _full_proba(model: Any, proba: np.ndarray, n_classes: int) -> np.ndarray:
    """Columns of ``proba`` placed at their class index (a class missing in training gets 0)."""
    cols = np.asarray(getattr(model, "classes_", np.arange(proba.shape[1])), dtype=int)
    out = np.zeros((proba.shape[0], n_classes))
    out[:, cols] = proba
    return out


def _timed_predict(model: Any, images: list[np.ndarray]) -> tuple[np.ndarray, dict[str, float]]:
    """Predict probabilities, timing feature extraction apart when the model is a Pipeline."""
    from sklearn.pipeline import Pipeline

    n = len(images)
    t0 = time.perf_counter()
    if isinstance(model, Pipeline) and len(model.steps) > 1:
        features = model[:-1].transform(images)
        t1 = time.perf_counter()
        proba = model[-1].predict_proba(features)
        t2 = time.perf_counter()
        return proba, {"predict_s": t2 - t0, "infer_ms_per_image": 1000 * (t2 - t0) / n,
                       "extract_images_per_s": n / max(t1 - t0, 1e-9)}
    proba = model.predict_proba(images)
    t2 = time.perf_counter()
    return proba, {"predict_s": t2 - t0, "infer_ms_per_image": 1000 * (t2 - t0) / n,
                   "extract_images_per_s": float("nan")}


def _history_of(model: Any) -> dict[str, Any] | None:
    hist = getattr(model, "history_", None)
    if hist is None:
        return None
    return hist.to_dict() if hasattr(hist, "to_dict") else hist


def _classification_fold(model: Any, images, data: DataBundle, groups: np.ndarray, train, test, fold: int,
                         features: tuple[np.ndarray, float] | None = None) -> dict[str, Any]:
    """Fit on ``train``, predict ``test``. With ``features`` (from :class:`FeatureCache`) the
    pipeline's steps after ``features`` are fitted on the cached rows; timings then add the
    measured per-image extraction cost."""
    from hybrid.models.calibration import group_fit_params

    y = data.y
    if features is not None:
        from sklearn.pipeline import Pipeline

        X, sec = features
        rest = Pipeline(model.steps[1:])
        t0 = time.perf_counter()
        rest.fit(X[train], y[train], **group_fit_params(rest, groups[train]))  # grouped calibration folds
        fit_s = time.perf_counter() - t0 + sec * len(train)
        t1 = time.perf_counter()
        proba = rest.predict_proba(X[test])
        clf_s = time.perf_counter() - t1
        timing = {"fit_s": fit_s, "predict_s": clf_s + sec * len(test),
                  "infer_ms_per_image": 1000 * (sec + clf_s / len(test)), "extract_images_per_s": 1 / max(sec, 1e-9)}
        fitted = rest
    else:
        t0 = time.perf_counter()  # groups: grouped inner validation split (CNNs) / calibration folds
        model.fit([images[i] for i in train], y[train], **group_fit_params(model, groups[train]))
        fit_s = time.perf_counter() - t0
        proba, timing = _timed_predict(model, [images[i] for i in test])
        timing["fit_s"] = fit_s
        fitted = model
    proba = _full_proba(fitted, np.asarray(proba, dtype=float), len(data.classes))
    metrics = classification_metrics(y[test], proba, data.classes)
    return {
        "fold": fold, "n_train": int(len(train)), "n_test": int(len(test)),
        "test_index": np.asarray(test).tolist(), "y_true": y[test].tolist(), "proba": proba.tolist(),
        "metrics": metrics, "timing": timing, "history": _history_of(model),
    }


def _segmentation_fold(family: str, spec: dict[str, Any], seed: int, images, masks, data: DataBundle,
                       groups: np.ndarray, train, test, fold: int, figure_dir: Path | None,
                       progress: bool = True) -> dict[str, Any]:
    from hybrid.segmentation.segmenter import Segmenter
    from hybrid.segmentation.metrics import dice, hausdorff95, segmentation_report

    params = _with_seed(Segmenter, {"arch": family, **spec.get("params", {})}, seed)
    model = Segmenter(**params)
    if not progress:
        model = _without_progress(model)
    t0 = time.perf_counter()
    model.fit([images[i] for i in train], [masks[i] for i in train], groups=groups[train])
    fit_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    pred = model.predict([images[i] for i in test])
    predict_s = time.perf_counter() - t1
    truth = [masks[i] for i in test]
    rep = segmentation_report(pred, truth, groups=groups[test])
    hd = [hausdorff95(p, t) for p, t in zip(pred, truth) if np.any(p) and np.any(t)]
    metrics = {
        "dice": rep["mean_dice_all_slices"], "dice_tumor_slices": rep["mean_dice_tumor_slices"],
        "iou": rep["mean_iou_tumor_slices"], "dice_per_patient": rep.get("mean_patient_dice"),
        "hausdorff95": mean_std(hd)["mean"], "false_positive_slice_rate": rep["fp_slice_rate"],
        "n_tumor_slices": rep["n_tumor_slices"], "dice_per_patient_detail": rep.get("dice_per_patient"),
    }
    overlays = []
    if figure_dir is not None and fold == 0:
        from hybrid.segmentation.overlay import write_case_overlays

        tumor = [j for j, t in enumerate(truth) if np.any(t)]  # rank slices with tumor by Dice
        ranked = sorted(tumor, key=lambda j: -dice(pred[j], truth[j]))
        best = ranked[:2]
        worst = [j for j in ranked[::-1][:2] if j not in best]
        for which, chosen in (("best", best), ("worst", worst)):
            if chosen:
                paths = write_case_overlays([images[i] for i in test], truth, pred, figure_dir / which, which=chosen,
                                            names=[data.ids[i] for i in test])
                overlays += [str(p) for p in paths]
    return {
        "fold": fold, "n_train": int(len(train)), "n_test": int(len(test)), "test_index": np.asarray(test).tolist(),
        "metrics": metrics, "history": _history_of(model), "overlays": overlays,
        "timing": {"fit_s": fit_s, "predict_s": predict_s, "infer_ms_per_image": 1000 * predict_s / len(test)},
    }


# -- environment -------------------------------------------------------------------------------
def environment() -> dict[str, Any]:
    """Versions of Python and the numerical stack, the machine, the date (UTC)."""
    versions = {"python": platform.python_version()}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    machine = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
               "cpu_count": os.cpu_count()}
    if hasattr(os, "getloadavg"):  # a shared machine slows every timing: record how busy it was
        machine["load_average_1_5_15min"] = [round(v, 2) for v in os.getloadavg()]
    return {"versions": versions, "machine": machine,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


# -- outputs -----------------------------------------------------------------------------------
def _write_csv(path: Path, models: list[dict[str, Any]], task: str) -> None:
    metric_names = list(SCALAR_METRICS) if task == "classification" else [
        "dice", "dice_tumor_slices", "iou", "dice_per_patient", "hausdorff95", "false_positive_slice_rate"]
    header = ["setting", "family", "classifier", "fold", "n_train", "n_test", *metric_names, "fit_s",
              "infer_ms_per_image", "extract_images_per_s", "key"]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for m in models:
        for f in m["folds"]:
            t = f.get("timing", {})
            writer.writerow([m["setting"], m["family"], m["classifier"], f["fold"], f["n_train"], f["n_test"],
                             *[f["metrics"].get(k) for k in metric_names], t.get("fit_s"),
                             t.get("infer_ms_per_image"), t.get("extract_images_per_s"), m["key"]])
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")


def _timing_summary(folds: list[dict[str, Any]]) -> dict[str, float]:
    out = {}
    for k in ("fit_s", "infer_ms_per_image", "extract_images_per_s"):
        out[k] = mean_std([f.get("timing", {}).get(k, float("nan")) for f in folds])["mean"]
    return out


def _slug(*parts: str) -> str:
    return "-".join("".join(c if c.isalnum() else "_" for c in str(p)) for p in parts)


# -- the run -----------------------------------------------------------------------------------
def run_suite(
    config: str | dict[str, Any] | os.PathLike | None = "quick",
    data: str | os.PathLike | None = None,
    layout: str | None = None,
    out: str | os.PathLike | None = None,
    quick: bool = False,
    *,
    config_file: str | os.PathLike | None = None,
    seed: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run a benchmark suite and write its outputs.

    Parameters
    ----------
    config : str, dict or path
        A built-in suite name (``"quick"``, ``"busi"``, ``"lgg-cls"``, ``"lgg-modality"``,
        ``"lgg-seg"``, ``"speed"``, ``"custom"``), a whole suite as a dict, or the path of a
        suite JSON file.
    data, layout : optional
        Dataset folder and layout overriding the suite's (``--data``/``--layout``).
    out : path, optional
        Output folder (default ``runs/<suite name>``).
    quick : bool
        Apply the suite's ``"quick"`` overrides (small data and models).
    config_file : path, optional
        A JSON override merged onto the named suite (``--config`` with a SUITE).
    seed : int, optional
        Overrides the suite's seed.
    progress : bool
        tqdm bars. False silences every bar of the run: data loading (file check and reading),
        the fold bar, and the models' own bars (every ``progress`` parameter is set to False).

    Returns
    -------
    dict
        The results (also written to ``out/results.json``), with ``run`` telling how many
        folds were computed and how many were read from the cache.
    """
    started = time.perf_counter()
    if isinstance(config, dict):
        cfg = resolve_suite(config, config_file, quick=quick, seed=seed, data=data, layout=layout)
    elif config is not None and str(config).endswith(".json"):
        cfg = resolve_suite(None, config, quick=quick, seed=seed, data=data, layout=layout)
    else:
        cfg = resolve_suite(config, config_file, quick=quick, seed=seed, data=data, layout=layout)
    out_dir = Path(out) if out is not None else Path("runs") / cfg["name"]
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"suite": cfg["name"], "task": cfg["task"], "config": cfg, "seed": cfg["seed"],
                               **environment()}
    if cfg["task"] == "speed":
        from benchmarks.speed import format_markdown, run_speed

        speed = run_speed(out_dir, **{"verbose": progress, **cfg.get("speed", {})})
        results.update(speed=speed, markdown=format_markdown(speed))
    else:
        def checkpoint(partial: dict[str, Any]) -> None:
            _write_outputs({**results, **partial, "wall_time_s": time.perf_counter() - started}, out_dir)

        results.update(_run_folds(cfg, out_dir, progress, results["versions"], on_model=checkpoint))
    results["wall_time_s"] = time.perf_counter() - started
    return _write_outputs(results, out_dir)


def _write_outputs(results: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Figures, ``results.json``, ``results.csv`` (not for speed), ``report.md``/``.html``."""
    from hybrid.reporting.report import make_figures, write_report

    results["figures"] = make_figures(results, out_dir)
    _write_json(out_dir / "results.json", results)
    if results["task"] != "speed":
        _write_csv(out_dir / "results.csv", results["models"], results["task"])
    write_report(results, out_dir)
    return results


def _run_folds(cfg: dict[str, Any], out_dir: Path, progress: bool, versions: dict[str, str],
               on_model: Any = None) -> dict[str, Any]:
    """Compute or read every fold; once anything had to be computed, ``on_model(partial_results)``
    is called after each model (so an interrupted run leaves a report of the finished models)."""
    from hybrid.data.splits import group_stratified_kfold
    from tqdm.auto import tqdm

    task, seed = cfg["task"], int(cfg["seed"])
    data = load_data(cfg, progress)
    groups, group_note = _groups(cfg, data)
    n_splits = int(cfg.get("split", {}).get("n_splits", 5))
    if task == "segmentation":  # stratify on tumor presence
        strat = np.array([int(np.any(m)) for m in data.masks])
    else:
        strat = data.y
    splits = group_stratified_kfold(strat, groups, n_splits=n_splits, seed=seed)
    fingerprint = data.fingerprint()
    settings = cfg.get("settings", {"whole": {}})
    families = cfg["families"]
    jobs = []
    for setting in settings:
        for family, spec in families.items():
            for clf in (spec.get("classifiers", ["segmenter"]) if task == "classification" else ["segmenter"]):
                jobs.append((setting, family, clf, spec))
    jobs.sort(key=lambda job: job[2] == "cnn")  # end-to-end CNNs (slowest) last: partial runs show the rest
    models, counts = [], {"computed": 0, "cached": 0}
    bar = tqdm(total=len(jobs) * len(splits), desc=f"bench {cfg['name']}", unit="fold", disable=not progress)
    prepared: dict[str, tuple[list, list]] = {}
    feature_cache = FeatureCache()
    key_versions = {pkg: versions.get(pkg) for pkg in _KEY_PACKAGES}  # versions: environment()'s, of this run
    for setting, family, clf, spec in jobs:
        model_spec = {k: v for k, v in spec.items() if k != "classifiers"}
        if clf != "cnn":
            model_spec.pop("cnn_params", None)
        key_spec = {
            "cache_version": CACHE_VERSION, "task": task, "seed": seed,
            "dataset": {k: v for k, v in cfg["dataset"].items() if k != "path"}, "data": fingerprint,
            "split": cfg.get("split", {}), "setting": settings[setting], "family": family, "classifier": clf,
            "model": model_spec, "versions": key_versions,
        }
        key = config_key(key_spec)
        fold_dir = out_dir / "folds" / f"{_slug(cfg['name'], setting, family, clf)}-{key}"
        folds = []
        for k, (train, test) in enumerate(splits):
            bar.set_postfix_str(f"{setting}/{family}/{clf} fold {k}")
            path = fold_dir / f"fold{k}.json"
            result = _read_fold(path, key, np.asarray(test))
            if result is None:
                if setting not in prepared:
                    prepared[setting] = _prepare_images(data, settings[setting])
                images, masks = prepared[setting]
                if task == "classification":
                    model = _build_classifier(family, clf, spec, seed, progress)
                    extractors = feature_cache.extractors(model)
                    feats = feature_cache.features(setting, extractors, images) if extractors else None
                    result = _classification_fold(model, images, data, groups, train, test, k, feats)
                else:
                    fig_dir = out_dir / "figures" / "overlays" / _slug(setting, family)
                    result = _segmentation_fold(family, spec, seed, images, masks, data, groups, train, test, k,
                                                fig_dir, progress)
                    result["overlays"] = [os.path.relpath(p, out_dir) for p in result["overlays"]]
                result.update(key=key, spec=key_spec)
                _write_json(path, result)
                counts["computed"] += 1
            else:
                counts["cached"] += 1
            folds.append(result)
            bar.update(1)
        entry = {"id": f"{setting}/{family}/{clf}", "setting": setting, "family": family, "classifier": clf,
                 "key": key, "folds": folds, "timing": _timing_summary(folds)}
        if task == "classification":
            entry.update(summarize_classification(folds, data.classes, seed=seed))
        else:
            names = ["dice", "dice_tumor_slices", "iou", "dice_per_patient", "hausdorff95",
                     "false_positive_slice_rate"]
            entry["summary"] = {m: mean_std([f["metrics"].get(m) for f in folds]) for m in names}
        models.append(entry)
        if on_model is not None and len(models) < len(jobs) and counts["computed"]:
            on_model(_assemble(cfg, data, groups, group_note, fingerprint, splits, models, counts, complete=False))
    bar.close()
    return _assemble(cfg, data, groups, group_note, fingerprint, splits, models, counts, complete=True)


def _assemble(cfg: dict[str, Any], data: DataBundle, groups: np.ndarray, group_note: str, fingerprint: str,
              splits: list, models: list[dict[str, Any]], counts: dict[str, int], complete: bool) -> dict[str, Any]:
    """The results of the models finished so far (``complete`` False for a checkpoint)."""
    task, seed = cfg["task"], int(cfg["seed"])
    settings = cfg.get("settings", {"whole": {}})
    comparisons = []
    if task == "classification":
        for setting in settings:
            res = compare_best_families([m for m in models if m["setting"] == setting], len(data.classes))
            comparisons.append({"setting": setting, **res})
    class_counts = {c: int((data.y == i).sum()) for i, c in enumerate(data.classes)}
    if task == "segmentation":
        tumor = int(sum(np.any(m) for m in data.masks))
        class_counts = {"tumor slices": tumor, "tumor-free slices": len(data.masks) - tumor}
    notes = []
    if not complete:
        notes.append(f"PARTIAL RESULTS: the run is still going or was interrupted after {len(models)} model(s); "
                     "rerun the same command to resume from the fold cache.")
    if any(s.get("roi") for s in settings.values()):
        notes.append("ROI settings crop each image to its ground-truth lesion mask (+ padding): they measure "
                     "classification of a delineated lesion, not detection.")
    return {
        "complete": complete,
        "dataset": {"description": data.description, "n": len(data.y), "classes": data.classes,
                    "class_counts": class_counts, "n_groups": int(np.unique(groups).size),
                    "fingerprint": fingerprint,
                    "split": f"group-stratified {len(splits)}-fold, {group_note}, seed {seed}", "notes": notes},
        "models": list(models), "comparisons": comparisons, "run": dict(counts),
    }
