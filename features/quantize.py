"""Grey-level quantisation: the one place images become GLCM level indices.

Two rules, chosen on purpose and pinned by ``tests/test_features_glcm.py``:

* **Fixed number of levels** (:func:`quantize_levels`), scikit-image style. An image of an
  integer dtype with range ``[0, R)`` (``R = 256`` for ``uint8``, ``65536`` for ``uint16``,
  ``2**bits`` for other unsigned types, ``2**(bits-1)`` for signed types, whose values must be
  non-negative, ``2`` for ``bool``) is mapped to ``level = value * N // R`` (integer floor division, so each level
  covers an equal share of the dtype's range, independent of the image content). Float
  images are assumed to lie in ``[0, 1]`` (values outside raise) and map to
  ``level = min(floor(value * N), N - 1)`` (so ``1.0`` falls in the top level).
* **Fixed bin width** (:func:`quantize_bin_width`), PyRadiomics style [1]_:
  ``level = floor(value / width) - floor(min / width)`` where ``min`` is the minimum over the
  ROI (the whole image without a mask). PyRadiomics numbers bins from 1; here they start at
  0 so they can index a matrix. The number of levels is ``floor(max / width) -
  floor(min / width) + 1`` and depends on the image.

Both return the smallest unsigned dtype that holds the levels (``uint8`` up to 256 levels,
else ``uint16``) and the number of levels, at most 65536.

References
----------
.. [1] J. J. M. van Griethuysen et al., "Computational Radiomics System to Decode the
       Radiographic Phenotype", Cancer Research 77(21):e104-e107, 2017.
       :DOI:`10.1158/0008-5472.CAN-17-0339`
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import ImageValidationError, check_image, check_mask, check_positive_int

__all__ = ["quantize", "quantize_levels", "quantize_bin_width", "dtype_range", "MAX_LEVELS"]

#: Largest number of grey levels a quantised image (and a GLCM) may have.
MAX_LEVELS = 65536


def _level_dtype(n_levels: int) -> np.dtype:
    return np.dtype(np.uint8) if n_levels <= 256 else np.dtype(np.uint16)


def dtype_range(dtype: np.dtype) -> int:
    """Number of non-negative values of an integer ``dtype`` (``R`` in the module docstring).

    >>> dtype_range(np.dtype(np.uint8)), dtype_range(np.dtype(np.int16))
    (256, 32768)
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        return 1 << (8 * dtype.itemsize)
    if dtype.kind == "i":
        return 1 << (8 * dtype.itemsize - 1)
    raise ValueError(f"dtype_range needs an integer dtype, got {dtype}")


def quantize_levels(image: Any, levels: int, *, name: str = "image") -> np.ndarray:
    """Quantise an image to ``levels`` grey levels by the dtype-range rule.

    Parameters
    ----------
    image : (H, W) array_like
        Integer image (non-negative values) or float image in ``[0, 1]``.
    levels : int
        Number of output levels, ``2 <= levels <= 65536``.
    name : str
        Argument name used in error messages.

    Returns
    -------
    (H, W) ndarray of uint8 or uint16
        Levels in ``[0, levels - 1]``.

    Raises
    ------
    ValueError
        Negative integer values, float values outside ``[0, 1]``, 64-bit integer images (whose
        range would overflow the exact integer arithmetic: convert them first), or a bad
        ``levels``.

    Examples
    --------
    >>> quantize_levels(np.array([[0, 63, 64, 255]], dtype=np.uint8), 4)
    array([[0, 0, 1, 3]], dtype=uint8)
    >>> quantize_levels(np.array([[0.0, 0.5, 1.0]]), 4)
    array([[0, 2, 3]], dtype=uint8)
    """
    is_bool = np.asarray(image).dtype == bool
    img = check_image(image, name=name)
    levels = check_positive_int(levels, "levels", minimum=2)
    if levels > MAX_LEVELS:
        raise ValueError(f"levels must be <= {MAX_LEVELS}, got {levels}")
    out_dtype = _level_dtype(levels)
    if img.dtype.kind == "f":
        lo, hi = float(img.min()), float(img.max())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(
                f"{name} is a float image with values in [{lo:g}, {hi:g}]; float images must lie in "
                "[0, 1] (scale them first, or use quantization='bin_width')"
            )
        q = np.floor(img.astype(np.float64) * levels)
        return np.minimum(q, levels - 1).astype(out_dtype)
    if img.dtype.itemsize > 4:
        raise ValueError(
            f"{name} has dtype {img.dtype}; 64-bit integer images are not supported by the levels rule, "
            "convert to uint16/uint32 or to float in [0, 1]"
        )
    if img.dtype.kind == "i" and img.min() < 0:
        raise ValueError(f"{name} has negative values (min {img.min()}); the levels rule needs values >= 0")
    rng = 2 if is_bool else dtype_range(img.dtype)
    if rng == levels:
        return img.astype(out_dtype, copy=False)
    if rng % levels == 0:  # value * N // R == value // (R / N) exactly: no int64 temporaries
        return (img // (rng // levels)).astype(out_dtype, copy=False)
    return ((img.astype(np.int64) * levels) // rng).astype(out_dtype)


def quantize_bin_width(
    image: Any, bin_width: float, *, mask: Any = None, name: str = "image"
) -> tuple[np.ndarray, int]:
    """Quantise an image into bins of fixed width (PyRadiomics rule, 0-based).

    ``level = floor(value / bin_width) - floor(min / bin_width)``, with ``min`` (and ``max``)
    taken inside ``mask`` when given. Pixels outside the mask are clipped into
    ``[0, n_levels - 1]`` (they are ignored by the masked GLCM anyway).

    Parameters
    ----------
    image : (H, W) array_like
        Any real image (values are used as they are, no range assumption).
    bin_width : float
        Positive bin width in the image's units.
    mask : (H, W) array_like of bool, optional
        Region of interest; must contain at least one pixel.

    Returns
    -------
    levels_image : (H, W) ndarray of uint8 or uint16
    n_levels : int
        ``floor(max / bin_width) - floor(min / bin_width) + 1``.

    Examples
    --------
    >>> q, n = quantize_bin_width(np.array([[10, 24, 25, 49]], dtype=np.uint8), 25)
    >>> q, n
    (array([[0, 0, 1, 1]], dtype=uint8), 2)
    """
    img = check_image(image, name=name)
    if isinstance(bin_width, bool) or not np.isscalar(bin_width) or not np.isfinite(bin_width) or bin_width <= 0:
        raise ValueError(f"bin_width must be a positive finite number, got {bin_width!r}")
    roi = check_mask(mask, img.shape)
    values = img.astype(np.float64)
    inside = values if roi is None else values[roi]
    if inside.size == 0:
        raise ImageValidationError("mask selects no pixel; cannot quantise an empty region")
    width = float(bin_width)
    base = np.floor(inside.min() / width)
    n_levels = int(np.floor(inside.max() / width) - base) + 1
    if n_levels > MAX_LEVELS:
        raise ValueError(
            f"bin_width={bin_width!r} gives {n_levels} levels for {name} (more than {MAX_LEVELS}); "
            "use a larger bin_width"
        )
    q = np.floor(values / width) - base
    q = np.clip(q, 0, n_levels - 1)
    return q.astype(_level_dtype(n_levels)), n_levels


def quantize(
    image: Any,
    *,
    method: str = "levels",
    levels: int | None = None,
    bin_width: float | None = None,
    mask: Any = None,
    name: str = "image",
) -> tuple[np.ndarray, int]:
    """Quantise by ``method`` (``"levels"`` or ``"bin_width"``); return ``(levels_image, n_levels)``.

    The single entry point used by every GLCM path; see the module docstring for both rules.

    >>> quantize(np.array([[0, 128, 255]], dtype=np.uint8), levels=2)
    (array([[0, 1, 1]], dtype=uint8), 2)
    """
    if method == "levels":
        if levels is None:
            raise ValueError("quantization='levels' needs levels=<int>")
        return quantize_levels(image, levels, name=name), int(levels)
    if method == "bin_width":
        if bin_width is None:
            raise ValueError("quantization='bin_width' needs bin_width=<positive number>")
        return quantize_bin_width(image, bin_width, mask=mask, name=name)
    raise ValueError(f"quantization must be one of ['levels', 'bin_width'], got {method!r}")
