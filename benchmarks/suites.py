"""Benchmark suites: small declarative JSON configs, their loading, merging and validation.

A suite names a dataset, a task, a split, the model families to compare (each with its
classifiers and parameters) and the settings to run them under. The built-in suites live in
``benchmarks/suites/<name>.json``; a user file passed with ``--config`` is either a whole
suite (no SUITE argument) or an override deep-merged onto the named built-in suite.

Schema (every key optional unless marked; unknown keys are errors naming the key)::

    {
      "name": str,                          # required; used in output names
      "description": str,
      "task": "classification" | "segmentation" | "speed",          # required
      "seed": int,                           # default 0 (splits, subsampling, synthetic data, models)
      "dataset": {                           # classification / segmentation
        "source": "synthetic" | "path",      # default "path"
        "path": str | null,                  # relative paths resolve against $TUMORTRACE_DATA
        "layout": "auto" | "folder" | "busi" | "lgg" | "csv",
        "classes": [str, ...] | null,        # keep only these classes (null = all)
        "max_images": int | null,            # seeded stratified subsample (quick runs)
        "n": int, "size": int, "difficulty": float, "modality": "ultrasound" | "mri"  # synthetic
      },
      "split": {"n_splits": int >= 2, "group_by": "dataset" | "near_duplicates" | "none"},
      "families": {                          # classification: handcrafted | deep | fused
        "<family>": {"classifiers": ["svm" | "xgboost" | "logreg" | "cnn", ...],
                     "params": {...},        # passed to hybrid.models.make_pipeline
                     "cnn_params": {...}}    # passed to CNNClassifier / FusedCNNClassifier
      },                                     # segmentation: unet | resunet -> {"params": {...}}
      "settings": {"<name>": {"roi": bool, "roi_pad": float, "channels": int | [int, ...] | null}},
      "speed": {...},                        # task "speed": keyword arguments of run_speed
      "quick": {...}                         # partial suite deep-merged when --quick is given
    }

``"cnn"`` is the end-to-end network of a family: :class:`hybrid.models.CNNClassifier` for
``deep`` and :class:`hybrid.models.FusedCNNClassifier` for ``fused``; it is not available
for ``handcrafted``.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "SuiteError", "BUILTIN_SUITES", "builtin_suite_names", "load_suite", "merge", "resolve_suite",
    "validate_suite",
]

FAMILIES = ("handcrafted", "deep", "fused")
SEGMENTERS = ("unet", "resunet")
CLASSIFIERS = ("svm", "xgboost", "logreg", "cnn")
LAYOUTS = ("auto", "folder", "busi", "lgg", "csv")
GROUP_BY = ("dataset", "near_duplicates", "none")

_TOP = {"name", "description", "task", "seed", "dataset", "split", "families", "settings", "speed", "quick"}
_DATASET = {"source", "path", "layout", "classes", "max_images", "n", "size", "difficulty", "modality"}
_SPLIT = {"n_splits", "group_by"}
_FAMILY = {"classifiers", "params", "cnn_params"}
_SETTING = {"roi", "roi_pad", "channels"}


class SuiteError(ValueError):
    """A suite config is malformed; the message names the suite and the offending key."""


def _suite_dir() -> Path:
    return Path(str(resources.files("benchmarks") / "suites"))


def builtin_suite_names() -> list[str]:
    """Names of the suites shipped in ``benchmarks/suites/*.json``."""
    return sorted(p.stem for p in _suite_dir().glob("*.json"))


BUILTIN_SUITES = tuple(builtin_suite_names())


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"suite config not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: a suite config must be a JSON object, got {type(data).__name__}")
    return data


def load_suite(name: str) -> dict[str, Any]:
    """The built-in suite ``name`` as a dict (unvalidated; see :func:`resolve_suite`)."""
    path = _suite_dir() / f"{name}.json"
    if not path.is_file():
        raise SuiteError(f"unknown suite {name!r}; built-in suites: {', '.join(builtin_suite_names())}")
    return _read_json(path)


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` onto a copy of ``base`` (dicts merge, everything else replaces).

    >>> merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"c": 3}, "d": [2]})
    {'a': {'b': 1, 'c': 3}, 'd': [2]}
    """
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _fail(suite: str, key: str, msg: str) -> None:
    raise SuiteError(f"suite {suite!r}: {key}: {msg}")


def _check_keys(suite: str, where: str, obj: Any, allowed: set[str]) -> None:
    if not isinstance(obj, dict):
        _fail(suite, where, f"must be an object, got {type(obj).__name__}")
    for key in obj:
        if key not in allowed:
            _fail(suite, f"{where}.{key}" if where else key, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _check_type(suite: str, key: str, value: Any, types: tuple, what: str) -> None:
    if isinstance(value, bool) and bool not in types:
        _fail(suite, key, f"must be {what}, got {value!r}")
    if not isinstance(value, types):
        _fail(suite, key, f"must be {what}, got {value!r}")


def _check_int(suite: str, key: str, value: Any, minimum: int) -> None:
    _check_type(suite, key, value, (int,), "an integer")
    if value < minimum:
        _fail(suite, key, f"must be >= {minimum}, got {value}")


def _validate_dataset(suite: str, ds: dict[str, Any]) -> None:
    _check_keys(suite, "dataset", ds, _DATASET)
    source = ds.get("source", "path")
    if source not in ("synthetic", "path"):
        _fail(suite, "dataset.source", f"must be 'synthetic' or 'path', got {source!r}")
    if source == "path":
        for key in ("n", "size", "difficulty", "modality"):
            if key in ds:
                _fail(suite, f"dataset.{key}", "only applies to dataset.source 'synthetic'")
        if ds.get("path") is not None:
            _check_type(suite, "dataset.path", ds["path"], (str,), "a string")
    else:
        for key in ("n", "size"):
            if key in ds:
                _check_int(suite, f"dataset.{key}", ds[key], 8)
        if "difficulty" in ds:
            _check_type(suite, "dataset.difficulty", ds["difficulty"], (int, float), "a number in [0, 1]")
            if not 0 <= ds["difficulty"] <= 1:
                _fail(suite, "dataset.difficulty", f"must lie in [0, 1], got {ds['difficulty']}")
        if ds.get("modality", "ultrasound") not in ("ultrasound", "mri"):
            _fail(suite, "dataset.modality", f"must be 'ultrasound' or 'mri', got {ds['modality']!r}")
    if ds.get("layout", "auto") not in LAYOUTS:
        _fail(suite, "dataset.layout", f"must be one of {LAYOUTS}, got {ds['layout']!r}")
    classes = ds.get("classes")
    if classes is not None and (
        not isinstance(classes, list) or len(classes) < 2 or not all(isinstance(c, str) for c in classes)
    ):
        _fail(suite, "dataset.classes", f"must be null or a list of at least two class names, got {classes!r}")
    if ds.get("max_images") is not None:
        _check_int(suite, "dataset.max_images", ds["max_images"], 4)


def _validate_families(suite: str, task: str, fams: dict[str, Any]) -> None:
    allowed = set(FAMILIES if task == "classification" else SEGMENTERS)
    _check_keys(suite, "families", fams, allowed)
    if not fams:
        _fail(suite, "families", f"must name at least one of {sorted(allowed)}")
    for fam, spec in fams.items():
        where = f"families.{fam}"
        _check_keys(suite, where, spec, _FAMILY if task == "classification" else {"params"})
        for key in ("params", "cnn_params"):
            if key in spec and not isinstance(spec[key], dict):
                _fail(suite, f"{where}.{key}", f"must be an object, got {spec[key]!r}")
        if task != "classification":
            continue
        clfs = spec.get("classifiers")
        if not isinstance(clfs, list) or not clfs:
            _fail(suite, f"{where}.classifiers", f"must be a non-empty list drawn from {CLASSIFIERS}")
        for clf in clfs:
            if clf not in CLASSIFIERS:
                _fail(suite, f"{where}.classifiers", f"unknown classifier {clf!r} (allowed: {', '.join(CLASSIFIERS)})")
        if fam == "handcrafted" and "cnn" in clfs:
            _fail(suite, f"{where}.classifiers", "'cnn' is an end-to-end network: only for the deep and fused families")
        if len(set(clfs)) != len(clfs):
            _fail(suite, f"{where}.classifiers", f"lists a classifier twice: {clfs}")


def _validate_settings(suite: str, settings: dict[str, Any]) -> None:
    if not isinstance(settings, dict) or not settings:
        _fail(suite, "settings", "must name at least one setting, e.g. {\"whole\": {}}")
    for name, spec in settings.items():
        where = f"settings.{name}"
        _check_keys(suite, where, spec, _SETTING)
        if "roi" in spec:
            _check_type(suite, f"{where}.roi", spec["roi"], (bool,), "true or false")
        if "roi_pad" in spec:
            _check_type(suite, f"{where}.roi_pad", spec["roi_pad"], (int, float), "a number >= 0")
            if spec["roi_pad"] < 0:
                _fail(suite, f"{where}.roi_pad", f"must be >= 0, got {spec['roi_pad']}")
        ch = spec.get("channels")
        if ch is not None:
            chans = ch if isinstance(ch, list) else [ch]
            if not chans or not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in chans):
                _fail(suite, f"{where}.channels", f"must be null, a channel index or a list of them, got {ch!r}")


def validate_suite(config: dict[str, Any]) -> dict[str, Any]:
    """Check a (merged) suite config; return it unchanged or raise :class:`SuiteError`.

    The error message names the suite and the dotted key at fault, e.g.
    ``suite 'mine': families.deep.classifiers: unknown classifier 'rf' (...)``.
    """
    suite = str(config.get("name", "<unnamed>")) if isinstance(config, dict) else "<unnamed>"
    _check_keys(suite, "", config, _TOP)
    if "name" not in config:
        _fail(suite, "name", "is required")
    _check_type(suite, "name", config["name"], (str,), "a string")
    task = config.get("task")
    if task not in ("classification", "segmentation", "speed"):
        _fail(suite, "task", f"must be 'classification', 'segmentation' or 'speed', got {task!r}")
    if "seed" in config:
        _check_int(suite, "seed", config["seed"], 0)
    if task == "speed":
        for key in ("dataset", "split", "families", "settings"):
            if key in config:
                _fail(suite, key, "does not apply to task 'speed' (use the 'speed' object)")
        if not isinstance(config.get("speed", {}), dict):
            _fail(suite, "speed", "must be an object of run_speed keyword arguments")
        return config
    if "speed" in config:
        _fail(suite, "speed", "only applies to task 'speed'")
    if "dataset" not in config:
        _fail(suite, "dataset", "is required")
    _validate_dataset(suite, config["dataset"])
    split = config.get("split", {})
    _check_keys(suite, "split", split, _SPLIT)
    if "n_splits" in split:
        _check_int(suite, "split.n_splits", split["n_splits"], 2)
    if split.get("group_by", "dataset") not in GROUP_BY:
        _fail(suite, "split.group_by", f"must be one of {GROUP_BY}, got {split['group_by']!r}")
    if "families" not in config:
        _fail(suite, "families", "is required")
    _validate_families(suite, task, config["families"])
    _validate_settings(suite, config.get("settings", {"whole": {}}))
    return config


def resolve_suite(
    suite: str | dict[str, Any] | None = None,
    config_file: str | Path | None = None,
    *,
    quick: bool = False,
    seed: int | None = None,
    data: str | Path | None = None,
    layout: str | None = None,
) -> dict[str, Any]:
    """Build the validated config a run uses.

    Parameters
    ----------
    suite : str or dict, optional
        Built-in suite name, or a whole suite as a dict. With ``config_file`` too, the file
        is merged onto it.
    config_file : path, optional
        A user suite (JSON). Alone, it is the whole suite.
    quick : bool
        Merge the suite's ``"quick"`` object (smaller data / models, for tests and demos).
    seed, data, layout : optional
        Command-line overrides of ``seed``, ``dataset.path`` (switching a synthetic suite to
        ``source: "path"``) and ``dataset.layout``.

    Returns
    -------
    dict
        The validated config, with the ``quick`` object consumed (``config["quick"]`` is
        then a bool telling whether it was applied).
    """
    if suite is None and config_file is None:
        raise SuiteError(f"name a suite ({', '.join(builtin_suite_names())}) or pass --config FILE")
    if isinstance(suite, dict):
        config = copy.deepcopy(suite)
    else:
        config = load_suite(suite) if suite is not None else {}
    if config_file is not None:
        config = merge(config, _read_json(Path(config_file)))
    validate_suite(config)
    overrides = config.pop("quick", {}) if quick else {}
    config.pop("quick", None)
    if overrides:
        if not isinstance(overrides, dict):
            raise SuiteError(f"suite {config['name']!r}: quick: must be an object")
        config = merge(config, overrides)
    if seed is not None:
        config["seed"] = int(seed)
    if (data is not None or layout is not None) and config["task"] == "speed":
        raise SuiteError("the speed suite takes no --data/--layout")
    if data is not None:
        ds = {k: v for k, v in config["dataset"].items() if k not in ("n", "size", "difficulty", "modality")}
        ds.update(source="path", path=str(data))
        config["dataset"] = ds
    if layout is not None:
        config["dataset"]["layout"] = layout
    validate_suite(config)
    if config["task"] != "speed" and config["dataset"].get("source", "path") == "path" and not config[
        "dataset"
    ].get("path"):
        raise SuiteError(f"suite {config['name']!r} needs a dataset: pass --data PATH")
    config["quick"] = bool(quick)
    config.setdefault("seed", 0)
    return config
