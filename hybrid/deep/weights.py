"""Where backbone weights come from: nothing, a local file, or the torch hub cache.

A ``weights`` argument (of :func:`hybrid.deep.backbones.create_backbone` and
:class:`hybrid.deep.CNNEmbeddings`) is one of

* ``None`` — random initialisation (torchvision's own initialisers, seeded);
* a path to a local file — a ``state_dict`` of the torchvision model, or a checkpoint
  mapping holding one under ``"state_dict"`` / ``"model"`` (the form TumorTrace's trainer
  writes). Keys may carry a wrapper prefix (``module.``, ``backbone.trunk.`` of a saved
  :class:`hybrid.models.CNNClassifier` …); the backbone finds it from its first convolution
  and ignores the rest (e.g. a classification head). Read with ``torch.load(..., weights_only=True)``: tensors and
  plain containers only, never arbitrary pickled objects;
* a torchvision weights name: ``"DEFAULT"``, ``"IMAGENET1K_V1"`` … (resolved against the
  model's weights enum), or a fully qualified ``"ResNet18_Weights.IMAGENET1K_V1"``.

Named weights are read from the torch hub cache
(``torch.hub.get_dir()/checkpoints/<file name of weights.url>``). TumorTrace never downloads at
run time unless asked: when the file is not cached, :func:`resolve_state_dict` raises
:class:`WeightsNotAvailableError` at once, naming the exact path where the file must be put.
Pass ``download=True`` (or set ``TUMORTRACE_ALLOW_DOWNLOAD=1``) to let torch hub fetch it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from hybrid.compat import tv_models

__all__ = [
    "WeightsNotAvailableError",
    "cached_weights_path",
    "file_sha256",
    "is_weights_path",
    "resolve_state_dict",
    "torchvision_weights",
]

#: Keys under which a checkpoint mapping may hold the model's state_dict.
CHECKPOINT_KEYS = ("state_dict", "model")


class WeightsNotAvailableError(FileNotFoundError):
    """Named weights are not in the torch hub cache and downloading is not allowed."""


def is_weights_path(weights: Any) -> bool:
    """True when ``weights`` designates a local file rather than a torchvision weights name.

    A :class:`os.PathLike`, or a string containing a path separator, ending in
    ``.pt``/``.pth``/``.bin``/``.ckpt``, or naming an existing file. Anything else is taken as a
    weights name.

    >>> is_weights_path("DEFAULT"), is_weights_path("runs/best.pt")
    (False, True)
    """
    if isinstance(weights, os.PathLike):
        return True
    if not isinstance(weights, str):
        return False
    return (
        os.sep in weights
        or "/" in weights
        or weights.endswith((".pt", ".pth", ".bin", ".ckpt"))
        or os.path.isfile(weights)
    )


def torchvision_weights(model_name: str, name: str):
    """Return the torchvision ``WeightsEnum`` member called ``name`` for ``model_name``.

    ``name`` is a member of the model's enum (``"DEFAULT"``, ``"IMAGENET1K_V1"``) or a fully
    qualified ``"<Enum>.<member>"``.

    Raises
    ------
    ValueError
        Listing the valid names when ``name`` is unknown.
    """
    enum = tv_models.get_model_weights(model_name)
    member = name.split(".", 1)[1] if name.startswith(enum.__name__ + ".") else name
    valid = list(enum.__members__)
    if member not in enum.__members__:
        raise ValueError(
            f"weights={name!r} is not a torchvision weights name for {model_name!r}; valid names: {valid} "
            "(or pass a path to a local state_dict file, or None for random initialisation)"
        )
    return enum[member]


def cached_weights_path(weights_enum) -> Path:
    """The torch hub cache file of torchvision weights: ``torch.hub.get_dir()/checkpoints/<url file name>``."""
    filename = os.path.basename(weights_enum.url.split("?", 1)[0])
    return Path(torch.hub.get_dir()) / "checkpoints" / filename


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file (used to pin the exact weights a model was built from)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _load_file(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise FileNotFoundError(f"weights file {str(path)!r} does not exist")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated / not a torch file / holds non-tensor objects
        raise ValueError(
            f"cannot read weights file {str(path)!r} as a state_dict (torch.load with weights_only=True): {exc}"
        ) from exc
    if isinstance(obj, Mapping):
        for key in CHECKPOINT_KEYS:
            if isinstance(obj.get(key), Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(
            f"weights file {str(path)!r} does not hold a state_dict (a mapping of parameter names to tensors, "
            f"possibly under one of the keys {list(CHECKPOINT_KEYS)})"
        )
    return dict(obj)


def resolve_state_dict(
    model_name: str, weights: Any, *, download: bool | None = None
) -> dict[str, torch.Tensor] | None:
    """Turn a ``weights`` argument into a ``state_dict`` (or ``None`` for random initialisation).

    Parameters
    ----------
    model_name : str
        torchvision model name (``"resnet18"`` …), used to resolve weights names.
    weights : None, str or path-like
        See the module docstring.
    download : bool, optional
        Allow torch hub to download named weights missing from the cache. Default: the
        environment variable ``TUMORTRACE_ALLOW_DOWNLOAD`` (``"1"`` allows), else ``False``.

    Raises
    ------
    WeightsNotAvailableError
        Named weights not cached and downloading not allowed; the message gives the exact
        cache path to put the file at. No network access is attempted.
    FileNotFoundError, ValueError
        Missing or unreadable local file; unknown weights name.
    """
    if weights is None:
        return None
    if is_weights_path(weights):
        return _load_file(Path(weights).expanduser())
    if not isinstance(weights, str):
        raise ValueError(f"weights must be None, a weights name or a file path, got {type(weights).__name__}")
    enum_member = torchvision_weights(model_name, weights)
    cached = cached_weights_path(enum_member)
    if cached.is_file():
        return _load_file(cached)
    if download is None:
        download = os.environ.get("TUMORTRACE_ALLOW_DOWNLOAD", "") == "1"
    if not download:
        raise WeightsNotAvailableError(
            f"torchvision weights {enum_member} for {model_name!r} are not in the torch hub cache. "
            f"Put the file {os.path.basename(str(cached))!r} (from {enum_member.url}) at {str(cached)!r}, "
            "or pass download=True / set TUMORTRACE_ALLOW_DOWNLOAD=1 on a machine with internet access, "
            "or use weights=None (random initialisation) or a local state_dict path"
        )
    return torch.hub.load_state_dict_from_url(
        enum_member.url, map_location="cpu", progress=True, check_hash=True, weights_only=True
    )
