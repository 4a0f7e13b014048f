"""Input rules shared by every extractor (the one place they live).

Rules
-----
* An image is a 2-D array ``(H, W)``. A 3-D array ``(H, W, C)`` is accepted only when the
  caller names ``channel`` (an index into the last axis) or, for extractors that support it,
  passes ``channel_axis=-1`` explicitly.
* Accepted dtypes: ``bool``, unsigned/signed integers, ``float32``/``float64``. Complex and
  object arrays are rejected.
* Range rule: integer images are used with their integer values (a ``uint8`` image lies in
  ``[0, 255]``, ``uint16`` in ``[0, 65535]``). Float images are used as given; extractors that
  need grey levels (GLCM) assume floats lie in ``[0, 1]`` and say so in their docstring.
* NaN or infinite values are rejected with an error naming the argument.
* Images smaller than the extractor's minimum (one cell, one window) are rejected with a
  message giving both shapes.
* Constant images are valid; every extractor documents the finite value it returns for them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_image", "check_positive_int", "check_choice", "ImageValidationError"]


class ImageValidationError(ValueError):
    """Raised when an image argument breaks the input rules above."""


def check_image(
    image: Any,
    *,
    name: str = "image",
    min_shape: tuple[int, int] = (1, 1),
    channel: int | None = None,
    allow_channels: bool = False,
    what: str = "the extractor's window",
) -> np.ndarray:
    """Validate one image and return it as a C-contiguous array (dtype kept).

    Parameters
    ----------
    image : array_like
        ``(H, W)``, or ``(H, W, C)`` when ``channel`` is given or ``allow_channels`` is True.
    name : str
        Argument name used in error messages.
    min_shape : (int, int)
        Smallest accepted ``(H, W)``.
    channel : int, optional
        For a 3-D input, the channel to keep (negative indices allowed).
    allow_channels : bool
        Return a 3-D input unchanged (the caller handles channels itself).
    what : str
        Describes ``min_shape`` in the error message (e.g. ``"one HOG cell (8x8)"``).

    Returns
    -------
    numpy.ndarray
        2-D (or 3-D when ``allow_channels``), C-contiguous, same dtype as the input
        (``bool`` is turned into ``uint8``).
    """
    if image is None:
        raise ImageValidationError(f"{name} is None; expected a 2-D array")
    arr = np.asarray(image)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ImageValidationError(
            f"{name} has unsupported dtype {arr.dtype}; expected bool, integer, float32 or float64"
        )
    if arr.dtype.kind == "f" and arr.dtype.itemsize > 8:
        arr = arr.astype(np.float64)
    if arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    if arr.ndim == 3:
        if channel is not None:
            n_channels = arr.shape[-1]
            if not -n_channels <= channel < n_channels:
                raise ImageValidationError(
                    f"channel={channel} is out of range for {name} with {n_channels} channels"
                )
            arr = arr[..., channel]
        elif not allow_channels:
            raise ImageValidationError(
                f"{name} has shape {arr.shape}; expected a 2-D (H, W) image. "
                "Pass channel=<index> to choose one channel of a (H, W, C) image"
            )
    elif arr.ndim != 2:
        raise ImageValidationError(f"{name} has {arr.ndim} dimensions (shape {arr.shape}); expected (H, W)")
    h, w = arr.shape[:2]
    if h == 0 or w == 0:
        raise ImageValidationError(f"{name} is empty (shape {arr.shape})")
    if h < min_shape[0] or w < min_shape[1]:
        raise ImageValidationError(
            f"{name} of shape {arr.shape[:2]} is smaller than {what} "
            f"(needs at least {min_shape[0]}x{min_shape[1]})"
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ImageValidationError(f"{name} contains NaN or infinite values")
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    return np.ascontiguousarray(arr)


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as int, or raise naming ``name`` when it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_choice(value: Any, name: str, choices: tuple) -> Any:
    """Return ``value`` if it is one of ``choices``; otherwise raise naming ``name`` and the choices."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_mask(mask: Any, shape: tuple[int, int], name: str = "mask") -> np.ndarray | None:
    """Validate an optional ROI mask against an image shape; return it as a bool array (or None)."""
    if mask is None:
        return None
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ImageValidationError(f"{name} must be 2-D, got shape {m.shape}")
    if m.shape != tuple(shape):
        raise ImageValidationError(f"{name} shape {m.shape} differs from the image shape {tuple(shape)}")
    if m.dtype.kind == "f" and not np.isfinite(m).all():
        raise ImageValidationError(f"{name} contains NaN or infinite values")
    return np.ascontiguousarray(m != 0)


__all__.append("check_mask")
