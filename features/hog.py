"""Histogram of Oriented Gradients (HOG) with scikit-image's semantics, on a Numba kernel.

:func:`hog` returns the same numbers as ``skimage.feature.hog`` (to floating-point
rounding; tested to 1e-6 for every ``block_norm``, ``transform_sqrt``, non-square cells and
blocks, odd sizes, and multichannel input) in one fused pass: gradients, dominant channel,
orientation binning and cell histograms, then block normalisation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._lazy import transformer_getattr
from ._kernels.aot import kernels
from ._kernels.constants import HOG_METHODS as METHODS
from ._validation import ImageValidationError, check_choice, check_image, check_positive_int

__all__ = ["hog", "hog_shape", "HOGFeatures"]

_k = kernels("hog")

_EPS = 1e-5  # as skimage's _hog_normalize_block


def _pair(value: Any, name: str) -> tuple[int, int]:
    try:
        a, b = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair of positive integers, got {value!r}") from None
    return check_positive_int(a, name), check_positive_int(b, name)


def hog_shape(
    image_shape: tuple[int, int],
    orientations: int = 9,
    pixels_per_cell: tuple[int, int] = (8, 8),
    cells_per_block: tuple[int, int] = (3, 3),
) -> tuple[int, int, int, int, int]:
    """Shape of the unflattened HOG of an image of ``image_shape`` ``(rows, cols)``.

    >>> hog_shape((32, 40))
    (2, 3, 3, 3, 9)
    """
    c_r, c_c = _pair(pixels_per_cell, "pixels_per_cell")
    b_r, b_c = _pair(cells_per_block, "cells_per_block")
    orientations = check_positive_int(orientations, "orientations")
    n_br = image_shape[0] // c_r - b_r + 1
    n_bc = image_shape[1] // c_c - b_c + 1
    return (n_br, n_bc, b_r, b_c, orientations)


def hog(
    image: np.ndarray,
    orientations: int = 9,
    pixels_per_cell: tuple[int, int] = (8, 8),
    cells_per_block: tuple[int, int] = (3, 3),
    block_norm: str = "L2-Hys",
    *,
    transform_sqrt: bool = False,
    feature_vector: bool = True,
    channel_axis: int | None = None,
) -> np.ndarray:
    """Histogram of Oriented Gradients of one image (Dalal & Triggs, 2005).

    Same parameters and output as ``skimage.feature.hog``, without ``visualize``; the
    arguments after ``block_norm`` are keyword-only, so a skimage-style positional call
    (whose sixth argument is ``visualize``) fails loudly instead of shifting silently.

    Parameters
    ----------
    image : (M, N[, C]) ndarray
        Grey image, or multichannel image when ``channel_axis`` is given. Integer images are
        used with their integer values; every pixel is converted to float64 (float32 images
        keep float32 for the gradient, as skimage).
    orientations : int
        Number of orientation bins over [0, 180) degrees (unsigned gradients).
    pixels_per_cell : (int, int)
        Cell size ``(rows, cols)``. Rows/columns beyond the last whole cell are ignored.
    cells_per_block : (int, int)
        Block size in cells; blocks slide by one cell.
    block_norm : {'L1', 'L1-sqrt', 'L2', 'L2-Hys'}
        Block normalisation with ``eps = 1e-5``: ``L1``: ``v / (sum|v| + eps)``;
        ``L1-sqrt``: square root of L1; ``L2``: ``v / sqrt(sum v**2 + eps**2)``; ``L2-Hys``:
        L2, clipped at 0.2, L2 again (Lowe, 2004).
    transform_sqrt : bool
        Take the square root of the image first (power-law compression). Negative pixels are
        then an error.
    feature_vector : bool
        Return the flattened vector instead of the 5-D array.
    channel_axis : int, optional
        Axis of the channels. Per pixel, the channel with the largest gradient magnitude
        supplies the gradient (the first one on ties), as skimage and Dalal & Triggs.

    Returns
    -------
    ndarray, float64
        ``(n_blocks_row, n_blocks_col, b_row, b_col, orientations)`` or its ravel.

    Raises
    ------
    ImageValidationError
        Image smaller than one block, NaN/inf, bad dtype or dimensions.
    ValueError
        Bad parameter, or negative pixels with ``transform_sqrt``.

    Notes
    -----
    Binning as skimage: gradients are central differences, zero on the image border rows
    (row gradient) and columns (column gradient); orientation
    ``o = degrees(arctan2(g_row, g_col)) mod 180``; a pixel votes its full magnitude (no
    interpolation between bins or cells) into bin ``i`` iff ``180/n*i <= o < 180/n*(i+1)``;
    a cell histogram is the float32 sum of its pixels' votes divided by the pixel count.
    A constant image has zero gradients everywhere, hence an all-zero descriptor.

    References
    ----------
    .. [1] Dalal, N. and Triggs, B. "Histograms of Oriented Gradients for Human Detection",
           CVPR 2005, :DOI:`10.1109/CVPR.2005.177`
    .. [2] Lowe, D. G. "Distinctive image features from scale-invariant keypoints", IJCV 60
           (2004) 91-110, :DOI:`10.1023/B:VISI.0000029664.99615.94`

    Examples
    --------
    >>> img = np.zeros((16, 24)); img[:, 12:] = 1.0    # one vertical edge in the middle cells
    >>> f = hog(img, orientations=4, pixels_per_cell=(8, 8), cells_per_block=(1, 1))
    >>> f.shape                                         # 2 x 3 cells, 4 bins
    (24,)
    >>> np.round(f.reshape(6, 4), 3)                    # horizontal gradient -> bin 0
    array([[0., 0., 0., 0.],
           [1., 0., 0., 0.],
           [0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [1., 0., 0., 0.],
           [0., 0., 0., 0.]])
    """
    orientations = check_positive_int(orientations, "orientations")
    c_r, c_c = _pair(pixels_per_cell, "pixels_per_cell")
    b_r, b_c = _pair(cells_per_block, "cells_per_block")
    method = METHODS.index(check_choice(block_norm, "block_norm", METHODS))
    arr = np.asarray(image) if image is not None else image
    if channel_axis is not None and arr is not None and np.ndim(arr) == 3:
        arr = np.moveaxis(arr, channel_axis, -1)
    elif channel_axis is not None and arr is not None:
        raise ImageValidationError(
            f"image has shape {np.shape(arr)}; channel_axis={channel_axis} needs a 3-D (M, N, C) image"
        )
    arr = check_image(
        arr,
        min_shape=(b_r * c_r, b_c * c_c),
        allow_channels=channel_axis is not None,
        what=f"one HOG block ({b_r}x{b_c} cells of {c_r}x{c_c} pixels)",
    )
    if transform_sqrt and arr.dtype.kind in "if" and (arr < 0).any():
        raise ValueError("image has negative pixels; transform_sqrt=True needs a non-negative image")
    if arr.dtype not in (np.float32, np.uint8, np.uint16):
        arr = arr.astype(np.float64)  # uint8/uint16 differences are exact in the kernel
    if transform_sqrt:
        arr = np.sqrt(arr, dtype=np.float32 if arr.dtype == np.float32 else np.float64)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    arr = np.ascontiguousarray(arr)
    n_cr = arr.shape[0] // c_r
    n_cc = arr.shape[1] // c_c
    hist = _k.cell_histograms(arr, orientations, c_r, c_c, n_cr, n_cc)
    out = _k.normalize_blocks(hist, b_r, b_c, method, _EPS)
    return out.ravel() if feature_vector else out

# the transformer lives in features.transformers (imports scikit-learn only when asked for)
__getattr__ = transformer_getattr(__name__, ('HOGFeatures',))
