"""Image preparation shared by the transformers: one grey channel, one fixed size.

Rules (the transformers' docstrings refer here):

* **Channels** (:func:`to_grey`, the ONE channel rule: every transformer — HOG, GLCM, LBP,
  MVM-LBP, MVMBP, Sobel — and the union :class:`features.HandcraftedFeatures` call it) — a
  2-D image is used as is. For an ``(H, W, C)`` image, ``channel=k`` keeps channel ``k``;
  ``channel=None`` averages the channels (float64 mean, then rounded half to even back to the
  input dtype for integer images, so a ``uint8`` RGB image stays ``uint8`` and GLCM/LBP grey
  levels keep their meaning; float images keep the float mean in their dtype).
* **Size** — :func:`resize` resamples by area weighting (each output pixel is the mean of the
  input over its footprint, fractional pixels weighted by overlap; for enlargement this is a
  nearest-neighbour with blended seams). Outputs are clipped to the input's [min, max] (a convex
  combination cannot leave it; this removes float rounding such as 1 + 2e-16, so a [0, 1] float
  image stays in [0, 1]). The result keeps the input dtype (integers rounded half to even).
"""

from __future__ import annotations

import numpy as np

from ._kernels.aot import kernels
from ._validation import check_image, check_positive_int

__all__ = ["to_grey", "resize", "prepare_image"]

_k = kernels("resize")


def _back_to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        rounded = np.rint(values)
        return np.clip(rounded, info.min, info.max, out=rounded).astype(dtype)
    return values.astype(dtype, copy=False)


def to_grey(image, channel: int | None = None, name: str = "image") -> np.ndarray:
    """Return a 2-D image following the channel rule of this module.

    >>> to_grey(np.array([[[0, 1, 2]]], dtype=np.uint8))
    array([[1]], dtype=uint8)
    >>> to_grey(np.array([[[0, 1, 2]]], dtype=np.uint8), channel=2)
    array([[2]], dtype=uint8)
    """
    arr = check_image(image, name=name, allow_channels=True)
    if arr.ndim == 2:
        return arr
    n_ch = arr.shape[-1]
    if channel is not None:
        if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)):
            raise ValueError(f"channel must be an integer or None, got {channel!r}")
        if not -n_ch <= channel < n_ch:
            raise ValueError(f"channel={channel} is out of range for {name} with {n_ch} channels")
        return np.ascontiguousarray(arr[..., channel])
    if n_ch == 1:
        return np.ascontiguousarray(arr[..., 0])
    return np.ascontiguousarray(_back_to_dtype(arr.mean(axis=-1, dtype=np.float64), arr.dtype))


def resize(image: np.ndarray, size) -> np.ndarray:
    """Area-weighted resampling of a 2-D image to ``size`` (int or ``(rows, cols)``), dtype kept.

    >>> resize(np.array([[0, 2], [4, 6]], dtype=np.uint8), 1)
    array([[3]], dtype=uint8)
    """
    rows, cols = (size, size) if np.isscalar(size) else tuple(size)
    rows = check_positive_int(rows, "size")
    cols = check_positive_int(cols, "size")
    image = np.asarray(image)
    if image.shape == (rows, cols):
        return image
    src = np.ascontiguousarray(image)
    if src.dtype == np.bool_ or src.dtype.kind not in "iuf":
        src = src.astype(np.float64)
    if image.dtype.kind in "iu":
        # rounded half to even in the kernel, straight into the dtype. No clip needed: the
        # bounds are integers, so rounding to the nearest integer already lands inside them.
        return _k.resize_area(src, np.empty((rows, cols), dtype=image.dtype), True)
    out = _k.resize_area(src, np.empty((rows, cols)), False)  # the kernel reads any real dtype
    if image.dtype.kind == "f":
        # a convex combination cannot leave the input's range; clip the rounding (1 + 2e-16).
        np.clip(out, float(src.min()), float(src.max()), out=out)
    return _back_to_dtype(out, image.dtype)


def prepare_image(image, channel: int | None = None, size=None, name: str = "image") -> np.ndarray:
    """:func:`to_grey`, then :func:`resize` when ``size`` is not None."""
    grey = to_grey(image, channel, name=name)
    return grey if size is None else resize(grey, size)
