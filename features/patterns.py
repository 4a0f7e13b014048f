"""Threshold-pattern descriptors: MVM-LBP and MVMBP.

Both compare pixels of a small window with a statistic of the same window (instead of with
the centre pixel, as LBP does). Neighbour ``k = 0..7`` of pixel ``(r, c)`` at distance ``R``
is the compass point ``(r + R dr_k, c + R dc_k)`` with
``(dr_k, dc_k) = (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1)``:
east first, then **counter-clockwise** on screen — the order of
:func:`features.lbp.local_binary_pattern` with ``P = 8``, so its ``uniform``/``nri_uniform``
mappings apply unchanged (diagonals sit at the window corner, not interpolated on a circle).

MVM-LBP (mean-variance-median LBP, Arora, Sucharitha & Sharma 2023 [1]_)
    Over the ``(2R+1) x (2R+1)`` window ``W`` centred on the pixel (centre included),
    ``T = (mean(W) + std(W) + median(W)) / 3`` with the **population** standard deviation
    (``ddof = 0``) and the ordinary median (``W`` has an odd size);
    code ``= sum_k [n_k >= T] 2**k`` (**>=**), 256 codes. Choices made here where the paper
    leaves room: the bit order above, ``>=`` as in LBP, ``ddof = 0``.
MVMBP (mean-value-based mean binary pattern; definition as specified for this project)
    Over the 3x3 window ``W`` (centre included), each of the 9 pixels gives the bit
    ``[g_p > mean(W)]`` (**strict >**): bits 0-7 are the neighbours ``k`` above, bit 8 is the
    centre; 512 codes. The test is evaluated as ``9 (g_p - g_c) > sum_q (g_q - g_c)``, which
    is exact for integer images and gives 0 bits on flat windows whatever the rounding.

Border rule: codes exist only where the whole window fits ("valid" region), so code images
have shape ``(H - 2R, W - 2R)``; histograms count exactly those pixels (and, with a mask, only
those whose centre is in the mask; the window may reach outside the mask).

Constant images: MVM-LBP gives ``T = 2c/3``, so a constant ``c >= 0`` yields code 255
everywhere (``c < 0``: code 0); MVMBP yields code 0 everywhere. Histograms are one-hot then.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ._lazy import transformer_getattr
from ._kernels import constants as _c
from ._kernels.aot import kernels
from ._validation import check_choice, check_image, check_mask, check_positive_int
from .histograms import check_n_bins, normalised_histogram
from .lbp import METHOD_TAGS, n_lbp_codes

__all__ = ["mvm_lbp", "mvm_lbp_histogram", "mvmbp", "mvmbp_histogram", "MVMLBPFeatures", "MVMBPFeatures"]

_k = kernels("patterns")
_klbp = kernels("lbp")

MVM_METHODS = ("default", "uniform", "nri_uniform")
_METHOD_IDS = {"default": _c.DEFAULT, "uniform": _c.UNIFORM, "nri_uniform": _c.NRI_UNIFORM}
N_MVMBP_CODES = 512

_MVM_REF = """
    References
    ----------
    .. [1] G. Arora, G. Sucharitha, S. Sharma, mean-variance-median local binary pattern
           (MVM-LBP), International Journal of Information Technology (Springer), 2023.
           :DOI:`10.1007/s41870-023-01204-y`
    .. [2] T. Ojala, M. Pietikainen, T. Maenpaa, "Multiresolution gray-scale and rotation
           invariant texture classification with local binary patterns", IEEE TPAMI 24(7),
           971-987, 2002. :DOI:`10.1109/TPAMI.2002.1017623`
"""


@lru_cache(maxsize=4)
def _mapping(method: str) -> np.ndarray:
    if method == "default":
        return np.arange(256, dtype=np.int32)
    return _klbp.pattern_lut(8, _METHOD_IDS[method])


def _prepare(image: Any, R: int, name: str = "image") -> np.ndarray:
    side = 2 * R + 1
    img = check_image(image, name=name, min_shape=(side, side), what=f"the {side}x{side} window")
    return np.ascontiguousarray(img, dtype=np.float64)


def _histogram(counts_fn, img: np.ndarray, mask: Any, n: int, *args) -> np.ndarray:
    roi = check_mask(mask, img.shape)
    mask_arr = roi if roi is not None else np.ones((1, 1), dtype=bool)
    return normalised_histogram(counts_fn(img, *args, n, mask_arr, roi is not None))


def mvm_lbp(image: Any, R: int = 1, method: str = "default") -> np.ndarray:
    """Mean-variance-median LBP code image (definition in the module docstring).

    Parameters
    ----------
    image : (M, N) array_like
        Grey image (bool, integer or float; used as float64).
    R : int
        Window radius (window ``2R+1`` square; neighbours at distance ``R``), ``>= 1``.
    method : {"default", "uniform", "nri_uniform"}
        ``default``: the 8-bit code (256 values); ``uniform``: its riu2 code (10 values);
        ``nri_uniform``: its u2 code (59 values) — the LBP mappings of
        :func:`features.lbp.local_binary_pattern`.

    Returns
    -------
    (M - 2R, N - 2R) ndarray of uint8
        Code of input pixel ``(r, c)`` at ``(r - R, c - R)``.

    Raises
    ------
    ImageValidationError
        NaN/inf, bad dtype or dimensions, image smaller than the window.
    {refs}
    Examples
    --------
    >>> img = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.uint8)
    >>> mvm_lbp(img)  # T = (5 + 2.58 + 5) / 3 = 4.19: bits of 6, 7, 8, 9 (k = 0, 5, 6, 7)
    array([[225]], dtype=uint8)
    """
    R = check_positive_int(R, "R")
    check_choice(method, "method", MVM_METHODS)
    img = _prepare(image, R)
    codes = _k.mvm_lbp_image(img, R)
    if method != "default":
        codes = _mapping(method)[codes]
    return codes.astype(np.uint8)


def mvm_lbp_histogram(
    image: Any, R: int = 1, method: str = "default", mask: Any = None, n_bins: int | None = None
) -> np.ndarray:
    """Normalised histogram of :func:`mvm_lbp` codes (fused, no code image stored).

    Parameters
    ----------
    image : (M, N) array_like
        Grey image.
    R : int
        Window radius.
    method : {"default", "uniform", "nri_uniform"}
        256, 10 or 59 bins.
    mask : (M, N) array_like of bool, optional
        Only pixels whose centre is True and whose window fits are counted.
    n_bins : int, optional
        Histogram length (>= the number of codes; extra bins stay 0).

    Returns
    -------
    ndarray of float64
        Frequencies summing to 1.

    Raises
    ------
    ImageValidationError
        Bad image or mask, or no pixel counted (empty mask).
    {refs}
    Examples
    --------
    >>> h = mvm_lbp_histogram(np.full((5, 5), 7, np.uint8))  # constant: every code is 255
    >>> h.shape, h[255]
    ((256,), np.float64(1.0))
    """
    R = check_positive_int(R, "R")
    check_choice(method, "method", MVM_METHODS)
    img = _prepare(image, R)
    n = check_n_bins(n_bins, n_lbp_codes(8, method))
    return _histogram(_k.mvm_lbp_counts, img, mask, n, R, _mapping(method))


def mvmbp(image: Any) -> np.ndarray:
    """Mean-value-based mean binary pattern (MVMBP) code image.

    Bit ``k`` (``k = 0..7``, compass neighbours east then counter-clockwise) and bit 8 (the
    centre) are set when that pixel is **strictly** greater than the mean of the 3x3 window,
    see the module docstring.

    Parameters
    ----------
    image : (M, N) array_like
        Grey image, at least 3x3.

    Returns
    -------
    (M - 2, N - 2) ndarray of uint16
        9-bit codes ``0..511``.

    Examples
    --------
    >>> img = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.uint8)
    >>> int(mvmbp(img)[0, 0])  # 6, 7, 8, 9 > 5: bits 0, 5, 6, 7
    225
    """
    img = _prepare(image, 1)
    return _k.mvmbp_image(img)


def mvmbp_histogram(image: Any, mask: Any = None, n_bins: int | None = None) -> np.ndarray:
    """Normalised 512-bin histogram of :func:`mvmbp` codes.

    Parameters
    ----------
    image : (M, N) array_like
        Grey image, at least 3x3.
    mask : (M, N) array_like of bool, optional
        Only pixels whose centre is True and whose window fits are counted.
    n_bins : int, optional
        Histogram length (>= 512).

    Returns
    -------
    ndarray of float64
        Frequencies summing to 1.

    Examples
    --------
    >>> h = mvmbp_histogram(np.ones((4, 4)))  # flat: no pixel exceeds the mean
    >>> h.shape, h[0]
    ((512,), np.float64(1.0))
    """
    img = _prepare(image, 1)
    n = check_n_bins(n_bins, N_MVMBP_CODES)
    return _histogram(_k.mvmbp_counts, img, mask, n, np.arange(N_MVMBP_CODES, dtype=np.int32))


for _f in (mvm_lbp, mvm_lbp_histogram):
    _f.__doc__ = _f.__doc__.replace("{refs}", _MVM_REF)
del _f

# the transformer lives in features.transformers (imports scikit-learn only when asked for)
__getattr__ = transformer_getattr(__name__, ('MVMLBPFeatures', 'MVMBPFeatures'))
