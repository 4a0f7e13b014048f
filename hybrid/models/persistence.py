"""Save and load every TumorTrace model family through one pair of functions.

A saved model is a folder holding ``config.json``, whose ``"kind"`` names the family
(older folders may name it in ``"format"``), plus the family's files:

========================  =====================================================  ==========================
kind                      class                                                  files
========================  =====================================================  ==========================
``cnn_classifier``        :class:`hybrid.models.cnn.CNNClassifier`               weights.pt, classes.json
``fused_cnn_classifier``  :class:`hybrid.models.fused.FusedCNNClassifier`        weights.pt, classes.json
``segmenter``             :class:`hybrid.segmentation.segmenter.Segmenter`       weights.pt (its own config)
``sklearn``               any scikit-learn estimator, e.g. from                  model.skops (or model.pkl)
                          :func:`hybrid.models.make_pipeline`
========================  =====================================================  ==========================

Safety. ``weights.pt`` files are read with ``torch.load(weights_only=True)``. scikit-learn
models are written with :mod:`skops.io` and read back only when every type in the file
that skops does not trust by default belongs to :data:`TRUSTED_MODULES` (NumPy, SciPy,
scikit-learn, XGBoost, TumorTrace's own ``features``/``hybrid``); skops rebuilds objects
without calling arbitrary functions, and types from any other package are refused. A pickle (``model.pkl``,
written only on request with ``format="pickle"``) is refused unless
``load_model(..., trust_pickle=True)``: unpickling executes arbitrary code.

Every folder is written atomically (:func:`hybrid.training.atomic_directory`).

New families register themselves with :func:`register_model_kind`: a class with
``save(directory)`` writing ``config.json`` with its ``kind`` and a classmethod
``load(directory)``.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hybrid.training import atomic_directory
from hybrid.training.checkpoint import save_checkpoint

__all__ = ["save_model", "load_model", "register_model_kind", "MODEL_KINDS", "TRUSTED_MODULES",
           "write_model_folder", "read_model_config", "UntrustedModelError"]

FORMAT_VERSION = 1

#: kind -> "module:Class" (its ``load(directory)`` is called) or ``loader(directory, trust_pickle)``.
MODEL_KINDS: dict[str, str | Callable[[Path, bool], Any]] = {
    "cnn_classifier": "hybrid.models.cnn:CNNClassifier",
    "fused_cnn_classifier": "hybrid.models.fused:FusedCNNClassifier",
    "segmenter": "hybrid.segmentation.segmenter:Segmenter",
    "tumortrace-segmenter": "hybrid.segmentation.segmenter:Segmenter",  # the Segmenter's "format" field
}

#: Top-level packages whose types a ``.skops`` file may contain beyond skops' own default-trusted
#: ones (the types make_pipeline produces: scikit-learn, XGBoost, TumorTrace's transformers).
TRUSTED_MODULES = ("numpy", "scipy", "sklearn", "xgboost", "features", "hybrid")


class UntrustedModelError(ValueError):
    """Loading would need unpickling or untrusted types; pass the explicit opt-in to allow it."""


def register_model_kind(kind: str, loader: str | Callable[[Path, bool], Any]) -> None:
    """Make :func:`load_model` understand folders whose ``config.json`` has ``"kind": kind``.

    ``loader`` is ``"package.module:Class"`` (imported lazily; ``Class.load(directory)`` is
    called) or a function ``loader(directory, trust_pickle) -> model``.
    """
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind must be a non-empty string, got {kind!r}")
    if not (callable(loader) or (isinstance(loader, str) and ":" in loader)):
        raise ValueError(f"loader must be 'module:Class' or a callable, got {loader!r}")
    MODEL_KINDS[kind] = loader


# -- JSON helpers shared by the torch families ---------------------------------------------------
def _jsonable(value: Any) -> tuple[bool, Any]:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True, value
    if isinstance(value, np.generic):
        return True, value.item()
    if isinstance(value, os.PathLike):
        return True, os.fspath(value)
    if isinstance(value, (list, tuple)):
        items = [_jsonable(v) for v in value]
        return all(ok for ok, _ in items), [v for _, v in items]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        items = {k: _jsonable(v) for k, v in value.items()}
        return all(ok for ok, _ in items.values()), {k: v for k, (_, v) in items.items()}
    return False, None


def _versions() -> dict[str, str]:
    import sklearn

    import hybrid

    return {"tumortrace": hybrid.__version__, "torch": torch.__version__, "numpy": np.__version__,
            "scikit-learn": sklearn.__version__, "python": platform.python_version()}


def _classes_json(classes: np.ndarray) -> dict[str, Any]:
    classes = np.asarray(classes)
    return {"dtype": classes.dtype.str if classes.dtype.kind != "O" else "object",
            "values": [v.item() if isinstance(v, np.generic) else v for v in classes.tolist()]}


def _classes_from_json(data: dict[str, Any]) -> np.ndarray:
    dtype = object if data["dtype"] == "object" else np.dtype(data["dtype"])
    return np.asarray(data["values"], dtype=dtype)


def write_model_folder(directory: str | os.PathLike, estimator: Any, *, fitted: dict[str, Any],
                       classes: np.ndarray, state_dict: dict[str, torch.Tensor],
                       history: dict[str, Any] | None = None) -> Path:
    """Write a torch estimator's folder: ``config.json``, ``classes.json``, ``weights.pt`` (atomically).

    Parameters that JSON cannot hold (a callable augmentation …) are stored as None and
    listed under ``"dropped_params"``.
    """
    params, dropped = {}, []
    for key, value in estimator.get_params(deep=False).items():
        ok, converted = _jsonable(value)
        params[key] = converted if ok else None
        if not ok:
            dropped.append(key)
    ok, fitted_json = _jsonable(fitted)
    if not ok:
        raise TypeError(f"fitted attributes of {type(estimator).__name__} are not JSON serialisable: {fitted!r}")
    config = {"kind": estimator.kind, "format_version": FORMAT_VERSION, "class": type(estimator).__name__,
              "params": params, "dropped_params": dropped, "fitted": fitted_json, "history": history,
              "versions": _versions()}
    directory = Path(directory)
    with atomic_directory(directory) as tmp:
        (tmp / "config.json").write_text(json.dumps(config, indent=2))
        (tmp / "classes.json").write_text(json.dumps(_classes_json(classes)))
        save_checkpoint(state_dict, tmp / "weights.pt")
    return directory


def _read_config(directory: Path) -> dict[str, Any]:
    path = directory / "config.json"
    if not directory.is_dir():
        raise FileNotFoundError(f"model folder not found: {directory}")
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: not a saved TumorTrace model folder")
    try:
        config = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(config, dict):
        raise ValueError(f"{path} must hold a JSON object")
    return config


def read_model_config(directory: str | os.PathLike, kind: str) -> tuple[dict[str, Any], np.ndarray]:
    """Read and check ``config.json`` and ``classes.json`` of a folder written by :func:`write_model_folder`."""
    directory = Path(directory)
    config = _read_config(directory)
    if config.get("kind") != kind:
        raise ValueError(f"{directory} holds a {config.get('kind')!r} model, not a {kind!r}")
    if int(config.get("format_version", 0)) > FORMAT_VERSION:
        raise ValueError(f"{directory}: format version {config['format_version']} is newer than {FORMAT_VERSION}")
    path = directory / "classes.json"
    try:
        classes = _classes_from_json(json.loads(path.read_text()))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} not found: incomplete model folder") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} is malformed: {exc}") from exc
    return config, classes


# -- scikit-learn estimators ----------------------------------------------------------------------
def _save_sklearn(model: Any, directory: Path, fmt: str) -> Path:
    config = {"kind": "sklearn", "format_version": FORMAT_VERSION, "class": type(model).__name__,
              "serializer": fmt, "versions": _versions()}
    if hasattr(model, "classes_"):
        config["classes"] = _classes_json(model.classes_)
    with atomic_directory(directory) as tmp:
        if fmt == "skops":
            import skops.io as sio

            sio.dump(model, tmp / "model.skops")
        else:
            import joblib

            joblib.dump(model, tmp / "model.pkl")
        (tmp / "config.json").write_text(json.dumps(config, indent=2))
    return directory


def _trusted(type_name: str) -> bool:
    return type_name.split(".", 1)[0] in TRUSTED_MODULES


def _load_sklearn(directory: Path, trust_pickle: bool) -> Any:
    config = _read_config(directory)
    fmt = config.get("serializer")
    if fmt == "pickle":
        if not trust_pickle:
            raise UntrustedModelError(
                f"{directory / 'model.pkl'} is a pickle: loading it can execute arbitrary code. Only if you trust "
                "its origin, call load_model(..., trust_pickle=True)"
            )
        import joblib

        return joblib.load(directory / "model.pkl")
    if fmt != "skops":
        raise ValueError(f"{directory / 'config.json'}: unknown serializer {fmt!r}")
    import skops.io as sio

    path = directory / "model.skops"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: incomplete model folder")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # corrupt/truncated zip
        raise ValueError(f"cannot read {path}: {type(exc).__name__}: {exc}") from exc
    refused = [t for t in untrusted if not _trusted(t)]
    if refused:
        raise UntrustedModelError(f"{path} contains types outside {TRUSTED_MODULES}: {refused}; refusing to load")
    return sio.load(path, trusted=untrusted)


MODEL_KINDS["sklearn"] = _load_sklearn


# -- public entry points --------------------------------------------------------------------------
def save_model(model: Any, directory: str | os.PathLike, format: str = "skops") -> Path:
    """Save any TumorTrace model to ``directory`` (created or replaced atomically).

    Parameters
    ----------
    model : CNNClassifier, FusedCNNClassifier, Segmenter or scikit-learn estimator
        Torch families use their own ``save``; scikit-learn estimators (pipelines from
        :func:`hybrid.models.make_pipeline`) are written with skops.
    directory : path
    format : {"skops", "pickle"}
        Serializer for scikit-learn estimators only. ``"pickle"`` (joblib) is for objects skops
        cannot represent; such folders load only with ``trust_pickle=True``.

    Returns
    -------
    Path
    """
    from sklearn.base import BaseEstimator

    if format not in ("skops", "pickle"):
        raise ValueError(f"format must be 'skops' or 'pickle', got {format!r}")
    directory = Path(directory)
    if callable(getattr(model, "save", None)) and callable(getattr(type(model), "load", None)):
        model.save(directory)
        return directory
    if isinstance(model, BaseEstimator):
        return _save_sklearn(model, directory, format)
    raise TypeError(f"don't know how to save a {type(model).__name__}; expected a TumorTrace model or a "
                    "scikit-learn estimator")


def load_model(directory: str | os.PathLike, trust_pickle: bool = False) -> Any:
    """Load a model folder written by :func:`save_model` (or a family's own ``save``).

    Parameters
    ----------
    directory : path
    trust_pickle : bool
        Allow unpickling a ``model.pkl`` (arbitrary code execution; only for files you made).

    Returns
    -------
    model
        With ``predict_proba(list_of_images)`` and ``classes_`` for classifiers.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing folder/files, malformed config, unknown kind.
    UntrustedModelError
        A pickle without ``trust_pickle=True``, or a skops file with types outside :data:`TRUSTED_MODULES`.
    """
    directory = Path(directory)
    config = _read_config(directory)
    kind = config.get("kind", config.get("format"))
    if kind not in MODEL_KINDS:
        raise ValueError(f"{directory / 'config.json'}: unknown model kind {kind!r}; known: {sorted(MODEL_KINDS)}")
    loader = MODEL_KINDS[kind]
    if isinstance(loader, str):
        module, _, name = loader.partition(":")
        return getattr(importlib.import_module(module), name).load(directory)
    return loader(directory, trust_pickle)
