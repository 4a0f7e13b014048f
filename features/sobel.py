"""Sobel gradients (OpenCV-exact) and a fixed-length summary of them.

:func:`sobel` equals ``cv2.Sobel(image, cv2.CV_64F, 1, 0, ksize=3,
borderType=cv2.BORDER_REFLECT_101)`` (and ``0, 1`` for ``dy``); :func:`sobel_features`
summarises the gradient magnitude and direction of one image in a vector whose length does not
depend on the image size.
"""

from __future__ import annotations

import numpy as np

from ._lazy import transformer_getattr
from ._kernels.aot import kernels
from ._validation import check_image, check_positive_int

__all__ = ["sobel", "sobel_features", "sobel_feature_names", "SobelFeatures"]

_k = kernels("sobel")

DEFAULT_PERCENTILES = (10, 25, 50, 75, 90)


def _unit_scale(dtype: np.dtype) -> float:
    """Divisor taking the image to [0, 1]: 255 for (u)int8, 65535 for (u)int16, else 1."""
    if dtype.kind in "iu" and dtype.itemsize == 1:
        return 255.0
    if dtype.kind in "iu" and dtype.itemsize == 2:
        return 65535.0
    return 1.0


def _percentiles(values: np.ndarray, pct: np.ndarray) -> np.ndarray:
    """``np.percentile(values, pct)`` (method "linear", same float steps) from one ``np.sort``
    (numpy's SIMD sort beats its multi-``kth`` partition, and a bucket selection tried in
    Numba, on these sizes); the interpolation runs in :func:`features._kernels.sobel.percentiles_of_sorted`."""
    return _k.percentiles_of_sorted(np.sort(values), np.asarray(pct, dtype=np.float64))


def sobel(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """3x3 Sobel derivatives of a grey image, as OpenCV (Sobel, 1968).

    Parameters
    ----------
    image : (M, N) ndarray
        Grey image of any real dtype, used with its values (no rescaling).

    Returns
    -------
    dx, dy : (M, N) ndarray, float64
        ``dx``: derivative along columns (kernel ``[1, 2, 1]^T [-1, 0, 1]``, positive when
        intensity grows to the right); ``dy``: along rows (positive when it grows downwards).
        Borders: reflect-101 (``cv2.BORDER_REFLECT_101``).

    References
    ----------
    .. [1] Sobel, I. and Feldman, G. "A 3x3 isotropic gradient operator for image
           processing", talk at the Stanford AI Project (1968); see Kanopoulos, N. et al.,
           "Design of an image edge detection filter using the Sobel operator", IEEE JSSC 23
           (1988) 358-367, :DOI:`10.1109/4.996`

    Examples
    --------
    >>> dx, dy = sobel(np.array([[0, 0, 1], [0, 0, 1], [0, 0, 1]], dtype=np.uint8))
    >>> dx
    array([[0., 4., 0.],
           [0., 4., 0.],
           [0., 4., 0.]])
    >>> float(abs(dy).max())
    0.0
    """
    arr = check_image(image)
    return _k.sobel_gradients(arr)


def sobel_feature_names(bins: int = 8, percentiles=DEFAULT_PERCENTILES) -> list[str]:
    """Names of the entries of :func:`sobel_features`, in order.

    >>> sobel_feature_names(2, (50,))
    ['sobel_mean', 'sobel_std', 'sobel_p50', 'sobel_edge_density', 'sobel_hist_0', 'sobel_hist_1']
    """
    return (
        ["sobel_mean", "sobel_std"]
        + [f"sobel_p{p:g}" for p in percentiles]
        + ["sobel_edge_density"]
        + [f"sobel_hist_{k}" for k in range(bins)]
    )


def sobel_features(
    image: np.ndarray,
    bins: int = 8,
    percentiles=DEFAULT_PERCENTILES,
    edge_threshold: float = 0.25,
) -> np.ndarray:
    """Summary of the Sobel gradient magnitude and direction of one grey image.

    The image is first put on [0, 1] by its dtype (``uint8``/``int8`` / 255,
    ``uint16``/``int16`` / 65535, ``bool`` 0/1; floats and wider integers as given), so the
    features of an 8-bit and a 16-bit version of the same picture agree. Then, with
    ``(dx, dy) = sobel(image)`` and ``m = hypot(dx, dy)`` over all pixels:

    * ``mean``, ``std`` of ``m`` (population std, ``ddof=0``);
    * the ``percentiles`` of ``m`` (as ``numpy.percentile``, linear interpolation);
    * ``edge_density``: fraction of pixels with ``m > edge_threshold`` (strict ``>``; the
      threshold is absolute, on the [0, 1]-scaled image, where a unit step edge gives
      ``m = 4``; the default 0.25 is a step of 1/16 of the range);
    * ``hist_k``: magnitude-weighted histogram of the direction
      ``theta = atan2(dy, dx) mod 2*pi`` over ``bins`` equal sectors, bin ``k`` holding
      ``2*pi*k/bins <= theta < 2*pi*(k+1)/bins``, normalised to sum 1. ``dy`` points down
      the rows, so ``theta`` turns clockwise on screen from the +column axis: a gradient
      to the right is bin 0, downwards is bin ``bins/4`` (for bins divisible by 4). The
      sector is decided by the sign of cross products with the sector edges, so a direction
      exactly on an edge (integer images: ``dx == dy``, ``dx == 0`` ...) goes to the upper
      sector; float images whose gradients tie only up to rounding may fall either side. A
      constant image has no direction: its histogram is all zeros (and every other
      feature 0).

    Parameters
    ----------
    image : (M, N) ndarray
        Grey image.
    bins : int
        Number of direction sectors over the full circle (signed gradients).
    percentiles : sequence of float
        Percentiles in [0, 100] of the magnitude.
    edge_threshold : float
        Magnitude above which a pixel counts as an edge (see above).

    Returns
    -------
    ndarray, float64, shape ``(2 + len(percentiles) + 1 + bins,)``
        In the order of :func:`sobel_feature_names`.

    Examples
    --------
    >>> ramp = np.tile(np.arange(8, dtype=np.float64) / 8, (8, 1))   # grows to the right
    >>> f = sobel_features(ramp, bins=4, percentiles=(50,))
    >>> dict(zip(sobel_feature_names(4, (50,)), np.round(f, 3)))["sobel_hist_0"]
    np.float64(1.0)
    """
    bins = check_positive_int(bins, "bins")
    pct = np.asarray(percentiles, dtype=np.float64).ravel()
    if pct.size and (not np.isfinite(pct).all() or pct.min() < 0 or pct.max() > 100):
        raise ValueError(f"percentiles must lie in [0, 100], got {list(percentiles)}")
    edge_threshold = float(edge_threshold)
    if not np.isfinite(edge_threshold):
        raise ValueError(f"edge_threshold must be finite, got {edge_threshold}")
    raw_dtype = np.asarray(image).dtype if image is not None else None
    arr = check_image(image)
    scale = 1.0 if raw_dtype == np.bool_ else _unit_scale(arr.dtype)
    mag, n_edges, hist, mean, std = _k.sobel_summary(arr, scale, bins, edge_threshold)
    total = hist.sum()
    if total > 0:
        hist = hist / total
    q = _percentiles(mag, pct) if pct.size else np.empty(0)
    return np.concatenate(([mean, std], q, [n_edges / mag.size], hist))

# the transformer lives in features.transformers (imports scikit-learn only when asked for)
__getattr__ = transformer_getattr(__name__, ('SobelFeatures',))
