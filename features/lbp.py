"""Local binary patterns (LBP), bit-identical to :func:`skimage.feature.local_binary_pattern`.

Definitions (those of scikit-image, checked against its Cython source and pinned by tests)
------------------------------------------------------------------------------------------
Neighbours
    ``P`` points on a circle of radius ``R`` around pixel ``(r, c)``; point ``i`` sits at
    ``(r - R sin(2 pi i / P), c + R cos(2 pi i / P))`` with both offsets rounded to 5 decimals.
    So ``i = 0`` is the east neighbour and ``i`` grows **counter-clockwise** on screen
    (``i = P/4`` is north, i.e. the row above). ``R`` is used in float64 (as in scikit-image 0.26;
    some older releases passed it through float32).
Values
    Bilinear interpolation of the four surrounding pixels; pixels outside the image read as
    **0** (constant padding), so the border ring of width ``ceil(R)`` sees dark neighbours.
    Offsets that are whole numbers read the pixel directly (interpolation weights 1 and 0).
Bits
    ``s_i = 1 if g_i - g_c >= 0`` (**>=**: a neighbour equal to the centre sets its bit).
``default``
    ``sum_i s_i 2**i`` (codes ``0 .. 2**P - 1``).
``ror``
    The minimum of the ``P`` cyclic rotations of the default code.
``uniform``
    Ojala's rotation-invariant uniform ``riu2`` code: the number of ones when the circular
    pattern has at most 2 transitions 0/1, else ``P + 1`` — ``P + 2`` codes.
``nri_uniform``
    Non-rotation-invariant uniform ``u2`` code (Ahonen): 0 for all zeros,
    ``P (P - 1) + 1`` for all ones, ``1 + (n_ones - 1) P + rot`` for the other uniform
    patterns (``rot`` = circular right shifts from the pattern with the ones at the low bits),
    ``P (P - 1) + 2`` for every non-uniform pattern — ``P (P - 1) + 3`` codes
    (59 for ``P = 8``).
``var``
    Rotation-invariant local contrast: the population variance (**ddof = 0**) of the ``P``
    interpolated neighbours, ``(sum g_i^2 - (sum g_i)^2 / P) / P``; **NaN** where it is
    exactly 0 (flat neighbourhoods). Float output, no histogram (see :func:`lbp_histogram`).

Codes are returned as float64, like scikit-image, so this module is a drop-in replacement.
"""

from __future__ import annotations

import math
from functools import lru_cache
from numbers import Real
from typing import Any

import numpy as np

from ._lazy import transformer_getattr
from ._kernels import constants as _c
from ._kernels.aot import kernels
from ._validation import check_choice, check_image, check_mask, check_positive_int
from .histograms import check_n_bins, normalised_histogram

__all__ = [
    "local_binary_pattern",
    "lbp_histogram",
    "multiscale_lbp_histogram",
    "n_lbp_codes",
    "LBPFeatures",
]

_k = kernels("lbp")

METHODS = ("default", "ror", "uniform", "nri_uniform", "var")
_METHOD_IDS = {"default": _c.DEFAULT, "ror": _c.ROR, "uniform": _c.UNIFORM, "nri_uniform": _c.NRI_UNIFORM, "var": _c.VAR}
# Short tags used in feature names (Ojala's notation: riu2 = skimage "uniform", u2 = "nri_uniform").
METHOD_TAGS = {"default": "def", "ror": "ri", "uniform": "riu2", "nri_uniform": "u2"}
MAX_P = 31  # codes stay exact integers and match skimage's int32 weights
MAX_HIST_P = 16  # default/ror histograms have 2**P bins

_REFERENCES = """
    References
    ----------
    .. [1] T. Ojala, M. Pietikainen, T. Maenpaa, "Multiresolution gray-scale and rotation
           invariant texture classification with local binary patterns", IEEE TPAMI 24(7),
           971-987, 2002. :DOI:`10.1109/TPAMI.2002.1017623`
    .. [2] T. Ahonen, A. Hadid, M. Pietikainen, "Face description with local binary
           patterns: application to face recognition", IEEE TPAMI 28(12), 2037-2041, 2006.
           :DOI:`10.1109/TPAMI.2006.244`
"""


def _check_P_R(P: Any, R: Any) -> tuple[int, float]:
    P = check_positive_int(P, "P")
    if P > MAX_P:
        raise ValueError(f"P must be <= {MAX_P}, got {P}")
    if isinstance(R, bool) or not isinstance(R, Real) or not math.isfinite(R) or R <= 0:
        raise ValueError(f"R must be a finite number > 0, got {R!r}")
    return P, float(R)


def _min_side(R: float) -> int:
    return 2 * math.ceil(R) + 1


@lru_cache(maxsize=64)
def _circle(P: int, R: float) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour offsets exactly as scikit-image computes them."""
    angles = 2 * np.pi * np.arange(P, dtype=np.double) / P
    rp = np.round(-R * np.sin(angles), 5)
    cp = np.round(R * np.cos(angles), 5)
    return rp, cp


def _fractions(n: int, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer offsets floor/ceil and the fractional parts ``(x + o) - floor(x + o)``, shape (n, P)."""
    pos = np.arange(n, dtype=np.float64)[:, None] + offsets[None, :]
    low = np.floor(pos)
    frac = pos - low
    lo = np.floor(offsets).astype(np.int64)
    hi = np.ceil(offsets).astype(np.int64)
    # The rounded offsets are whole or >= 1e-5 away from whole numbers, so floor(x + o) is x + floor(o).
    if not np.array_equal(low, np.arange(n)[:, None] + lo[None, :]):  # pragma: no cover - needs n ~ 1e11
        raise RuntimeError("image too large for exact LBP neighbour offsets")
    return lo, hi, frac


@lru_cache(maxsize=64)
def _neighbour_tables(P: int, R: float, rows: int, cols: int):
    rp, cp = _circle(P, R)
    ro0, ro1, dr = _fractions(rows, rp)
    co0, co1, dc = _fractions(cols, cp)
    interp = (rp != np.floor(rp)) | (cp != np.floor(cp))
    dc = np.ascontiguousarray(dc.T)
    return ro0, ro1, co0, co1, dr, dc, 1 - dc, interp


@lru_cache(maxsize=32)
def _lut(P: int, method: int) -> tuple[np.ndarray, bool]:
    if method in (_c.DEFAULT, _c.VAR) or P > _c.LUT_MAX_P:
        return np.zeros(1, dtype=np.int32), False
    return _k.pattern_lut(P, method), True


def n_lbp_codes(P: int, method: str) -> int:
    """Number of distinct codes (= histogram bins) of ``method`` for ``P`` neighbours.

    ``default``/``ror``: ``2**P``; ``uniform``: ``P + 2``; ``nri_uniform``: ``P (P - 1) + 3``.

    >>> n_lbp_codes(8, "uniform"), n_lbp_codes(8, "nri_uniform"), n_lbp_codes(8, "default")
    (10, 59, 256)
    """
    P = check_positive_int(P, "P")
    check_choice(method, "method", METHODS[:-1])
    if method == "uniform":
        return P + 2
    if method == "nri_uniform":
        return P * (P - 1) + 3
    return 2**P


def _prepare(image: Any, P: Any, R: Any, method: str, name: str = "image"):
    P, R = _check_P_R(P, R)
    check_choice(method, "method", METHODS)
    side = _min_side(R)
    img = check_image(image, name=name, min_shape=(side, side), what=f"the LBP window for R={R:g}")
    # the kernels copy the image into a zero-framed float64 buffer themselves (exact for every
    # accepted dtype, as skimage's own float64 conversion), so no float64 copy is made here
    img = np.ascontiguousarray(img)
    return img, P, R, _METHOD_IDS[method]


def local_binary_pattern(image: Any, P: int, R: float, method: str = "default") -> np.ndarray:
    """Local binary pattern codes of a 2-D image (same values as scikit-image).

    Parameters
    ----------
    image : (M, N) array_like
        Grey image (bool, integer or float; used as float64). NaN/inf are rejected.
    P : int
        Number of neighbours on the circle, ``1 <= P <= 31``.
    R : float
        Radius of the circle, ``> 0`` (non-integer radii are interpolated).
    method : {"default", "ror", "uniform", "nri_uniform", "var"}
        Code definition; see the module docstring (``uniform`` is riu2, ``nri_uniform``
        is u2, ``var`` is the ddof=0 variance with NaN for flat neighbourhoods).

    Returns
    -------
    (M, N) ndarray of float64
        Codes (whole numbers) or, for ``var``, variances.

    Raises
    ------
    ImageValidationError
        For NaN/inf, wrong dtype or dimensions, or an image smaller than
        ``2 ceil(R) + 1`` on a side.
    ValueError
        For a bad ``P``, ``R`` or ``method``.

    Notes
    -----
    Pixels within ``ceil(R)`` of the border compare against zero padding (scikit-image's
    rule). A constant image ``c >= 0`` therefore has code ``2**P - 1`` (``uniform``: ``P``)
    everywhere except on that ring.
    {refs}
    Examples
    --------
    >>> img = np.array([[5, 5, 5], [5, 9, 1], [5, 5, 5]], dtype=np.uint8)
    >>> local_binary_pattern(img, 4, 1)[1, 1]  # no neighbour >= 9
    np.float64(0.0)
    >>> local_binary_pattern(img, 4, 1, "uniform")[1]  # (1, 2): east is padding (0 < 1)
    array([3., 0., 3.])
    """
    img, P, R, m = _prepare(image, P, R, method)
    tables = _neighbour_tables(P, R, *img.shape)
    lut, use_lut = _lut(P, m)
    return _k.lbp_image(img, P, m, *tables, lut, use_lut)


def lbp_histogram(
    image: Any,
    P: int = 8,
    R: float = 1,
    method: str = "uniform",
    mask: Any = None,
    n_bins: int | None = None,
) -> np.ndarray:
    """Normalised histogram of the LBP codes (code and count fused, no code image stored).

    Equal to ``np.bincount(local_binary_pattern(image, P, R, method)[mask].astype(int),
    minlength=n_bins) / n`` where ``n`` is the number of counted pixels.

    Parameters
    ----------
    image : (M, N) array_like
        Grey image.
    P, R : int, float
        Neighbours and radius, see :func:`local_binary_pattern`.
    method : {"uniform", "nri_uniform", "default", "ror"}
        ``var`` has no fixed bins (its values are unbounded and scale with the intensity
        range; Ojala quantises it with cut points learned on training data), so it is
        rejected here: use :func:`local_binary_pattern` and bin it yourself.
        ``default``/``ror`` need ``P <= 16`` (``2**P`` bins).
    mask : (M, N) array_like of bool, optional
        Region of interest: only the codes of pixels where ``mask`` is True are counted.
        The neighbours of a counted pixel are read from the whole image, inside the mask
        or not (the mask selects centres, not neighbours). ``None`` counts every pixel,
        border ring included.
    n_bins : int, optional
        Histogram length; default :func:`n_lbp_codes`. A larger value appends empty bins.

    Returns
    -------
    (n_bins,) ndarray of float64
        Frequencies summing to 1.

    Raises
    ------
    ImageValidationError
        Bad image or mask (shape mismatch, NaN), or a mask without any True pixel.
    ValueError
        Bad ``P``, ``R``, ``method`` or ``n_bins``.
    {refs}
    Examples
    --------
    >>> h = lbp_histogram(np.zeros((4, 4), np.uint8), P=8, R=1)  # flat: every code is P
    >>> h.shape, h[8]
    ((10,), np.float64(1.0))
    """
    check_choice(method, "method", METHODS[:-1])
    img, P, R, m = _prepare(image, P, R, method)
    if method in ("default", "ror") and P > MAX_HIST_P:
        raise ValueError(
            f"method={method!r} with P={P} would need 2**{P} bins; use P <= {MAX_HIST_P} or "
            "method='uniform'/'nri_uniform'"
        )
    n = check_n_bins(n_bins, n_lbp_codes(P, method))
    roi = check_mask(mask, img.shape)
    tables = _neighbour_tables(P, R, *img.shape)
    lut, use_lut = _lut(P, m)
    if m == _c.DEFAULT:
        lut, use_lut = np.arange(1 << P, dtype=np.int32), True
    mask_arr = roi if roi is not None else np.ones((1, 1), dtype=bool)
    counts = _k.lbp_counts(img, P, m, *tables, lut, use_lut, n, mask_arr, roi is not None)
    return normalised_histogram(counts)


def multiscale_lbp_histogram(
    image: Any,
    scales: Any = ((8, 1), (16, 2), (24, 3)),
    method: str = "uniform",
    mask: Any = None,
) -> np.ndarray:
    """Concatenated :func:`lbp_histogram` over several ``(P, R)`` scales.

    Each scale's block sums to 1 (so the whole vector sums to ``len(scales)``); blocks come
    in the order of ``scales``. Default: Ojala's three riu2 scales, 10 + 18 + 26 = 54 values.

    >>> multiscale_lbp_histogram(np.zeros((7, 7))).shape
    (54,)
    """
    pairs = _check_scales(scales)
    return np.concatenate([lbp_histogram(image, P, R, method, mask) for P, R in pairs])


def _check_scales(scales: Any) -> list[tuple[int, float]]:
    try:
        pairs = [tuple(s) for s in scales]
    except TypeError:
        raise ValueError(f"scales must be a sequence of (P, R) pairs, got {scales!r}") from None
    if not pairs or any(len(p) != 2 for p in pairs):
        raise ValueError(f"scales must be a non-empty sequence of (P, R) pairs, got {scales!r}")
    return [_check_P_R(P, R) for P, R in pairs]


def _scale_tag(P: int, R: float) -> str:
    return f"P{P}R{R:g}"


for _f in (local_binary_pattern, lbp_histogram):
    _f.__doc__ = _f.__doc__.replace("{refs}", _REFERENCES)
del _f

# the transformer lives in features.transformers (imports scikit-learn only when asked for)
__getattr__ = transformer_getattr(__name__, ('LBPFeatures',))
