"""Grey-level co-occurrence matrices (GLCM) and their texture properties.

* :func:`graycomatrix` / :func:`graycoprops` — same names, arguments, shapes, dtypes and
  values as :mod:`skimage.feature` (plus an optional ROI ``mask``), from Numba kernels.
* :func:`haralick` — the 13 Haralick features as ``mahotas.features.haralick`` computes them.
* :func:`glcm_features` / :class:`GLCMFeatures` — a fixed-length vector for classifiers:
  quantise, count, then summarise each property over the angles (mean, range …).

Conventions (pinned by ``tests/test_features_glcm.py``)
------------------------------------------------------
* Angle direction: for distance ``d`` and angle ``theta`` the neighbour of pixel ``(r, c)``
  is ``(r + round(sin(theta) * d), c + round(cos(theta) * d))``, rounding half away from
  zero, rows counted downwards. So ``0`` is the right neighbour, ``pi/4`` the lower-right,
  ``pi/2`` the pixel BELOW (row + d) and ``3*pi/4`` the lower-left. This is what
  scikit-image 0.26 computes (its docstring speaks of "the pixel above", which is the
  same offset read with the y axis pointing up). ``P[i, j]`` counts pixels of level ``i``
  whose neighbour has level ``j``. mahotas' directions 0..3 are, as symmetric matrices,
  the angles ``0, pi/4, pi/2, 3*pi/4`` in this order.
* Entropy: natural log in :func:`graycoprops` (skimage), log2 in :func:`haralick` (mahotas).
* Constant image (one level): contrast, dissimilarity, variance, std, entropy = 0;
  homogeneity, ASM, energy = 1; correlation = 1 (skimage's convention for a zero standard
  deviation; mahotas' too); mean = that level.

References
----------
.. [1] R. M. Haralick, K. Shanmugam, I. Dinstein, "Textural Features for Image
       Classification", IEEE Trans. Syst. Man Cybern. SMC-3(6):610-621, 1973.
       :DOI:`10.1109/TSMC.1973.4309314`
.. [2] M. Hall-Beyer, "GLCM Texture: A Tutorial", 2017. :DOI:`10.11575/PRISM/33280`
.. [3] L. P. Coelho, "Mahotas: Open source software for scriptable computer vision",
       J. Open Research Software 1(1):e3, 2013. :DOI:`10.5334/jors.ac`
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._lazy import transformer_getattr
from ._kernels import constants as _c
from ._kernels.aot import kernels
from ._validation import ImageValidationError, check_choice, check_image, check_mask, check_positive_int
from .quantize import MAX_LEVELS, quantize

__all__ = [
    "graycomatrix",
    "graycoprops",
    "glcm_props",
    "haralick",
    "haralick_labels",
    "glcm_features",
    "glcm_feature_names",
    "GLCMFeatures",
    "GLCM_PROPS",
    "GLCM_SUMMARIES",
]

_k = kernels("glcm")

#: Properties accepted by :func:`graycoprops` (all of skimage 0.26's).
GLCM_PROPS = _c.COPROPS
#: Summaries over the angles accepted by :func:`glcm_features`.
GLCM_SUMMARIES = ("mean", "range", "min", "max", "std")
#: Names of the 13 :func:`haralick` features, in mahotas' order.
haralick_labels = (
    "Angular Second Moment",
    "Contrast",
    "Correlation",
    "Sum of Squares: Variance",
    "Inverse Difference Moment",
    "Sum Average",
    "Sum Variance",
    "Sum Entropy",
    "Entropy",
    "Difference Variance",
    "Difference Entropy",
    "Information Measure of Correlation 1",
    "Information Measure of Correlation 2",
)
_DEFAULT_ANGLES = (0.0, math.pi / 4, math.pi / 2, 3 * math.pi / 4)
#: mahotas' four 2-D directions as (row, col) steps; multiplied by the distance (so the
#: diagonal at distance 2 is (2, 2), whereas skimage's rounding gives (1, 1)).
_MAHOTAS_DELTAS = np.array([(0, 1), (1, 1), (1, 0), (1, -1)], dtype=np.int64)


def _round_half_away(x: float) -> int:
    """skimage's C rounding: half away from zero, then truncation."""
    return int(x + 0.5) if x > 0.0 else int(x - 0.5)


def _offsets(distances: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """``(n_dist * n_angle, 2)`` int64 (dr, dc), distance-major (index ``d * n_angle + a``)."""
    out = np.empty((len(distances) * len(angles), 2), dtype=np.int64)
    for d_idx, dist in enumerate(distances):
        for a_idx, ang in enumerate(angles):
            k = d_idx * len(angles) + a_idx
            out[k, 0] = _round_half_away(math.sin(ang) * dist)
            out[k, 1] = _round_half_away(math.cos(ang) * dist)
    return out


def _check_vector(values: Any, name: str, *, nonnegative: bool) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values: {values!r}")
    if nonnegative and (arr < 0).any():
        raise ValueError(f"{name} must be >= 0, got {values!r}")
    return arr


def _check_offsets_fit(shape: tuple[int, int], offsets: np.ndarray, name: str) -> None:
    h, w = shape
    for dr, dc in offsets:
        if abs(dr) >= h or abs(dc) >= w:
            raise ImageValidationError(
                f"{name} of shape {shape} is smaller than the pixel offset (row {dr}, col {dc}); "
                f"needs at least {abs(dr) + 1}x{abs(dc) + 1} so that one pixel pair exists"
            )


def _mask_args(roi) -> tuple[np.ndarray, bool]:
    """``(mask, use_mask)`` arguments of the counting kernels (a 1x1 dummy without a ROI)."""
    if roi is None:
        return np.ones((1, 1), dtype=np.bool_), False
    return roi, True


def _count(levels_image: np.ndarray, offsets: np.ndarray, levels: int, roi, symmetric: bool) -> np.ndarray:
    """Run the counting kernel; ``(n_offsets, L, L)`` uint32."""
    return _k.glcm_counts(levels_image, offsets, int(levels), *_mask_args(roi), bool(symmetric))


def _count_props(levels_image: np.ndarray, offsets: np.ndarray, levels: int, roi, symmetric: bool,
                 entropy: bool) -> np.ndarray:
    """``(n_offsets, len(GLCM_PROPS))`` properties of the count matrices, counted and read one
    offset at a time; a ROI without a pixel pair at some offset is an error."""
    props, pairs = _k.count_props(levels_image, offsets, int(levels), *_mask_args(roi), bool(symmetric),
                                  _c.CLOGC_TABLE, bool(entropy))
    if roi is not None and (pairs == 0).any():
        dr, dc = offsets[int(np.flatnonzero(pairs == 0)[0])]
        raise ImageValidationError(
            f"mask holds no pixel pair at offset (row {dr}, col {dc}); the ROI is too small for these distances"
        )
    return props


def _as_level_image(image: Any, levels: int | None, name: str, min_shape=(1, 1)) -> tuple[np.ndarray, int]:
    """Validate an integer image holding levels ``[0, levels)``; return it in a compact dtype."""
    img = check_image(image, name=name, min_shape=min_shape)
    if img.dtype.kind == "f":
        raise ImageValidationError(
            f"{name} is a float image ({img.dtype}); graycomatrix needs integer levels. Quantise it first "
            "(features.quantize.quantize) or use glcm_features"
        )
    if levels is None:
        if img.dtype not in (np.uint8, np.int8):
            raise ValueError(f"levels is required for {name} of dtype {img.dtype} (only uint8 defaults to 256)")
        levels = 256
    levels = check_positive_int(levels, "levels", minimum=1)
    if levels > MAX_LEVELS:
        raise ValueError(f"levels must be <= {MAX_LEVELS}, got {levels}")
    lo, hi = int(img.min()), int(img.max())
    if lo < 0:
        raise ValueError(f"{name} has negative values (min {lo}); grey levels must be >= 0")
    if hi >= levels:
        raise ValueError(f"{name} has value {hi} >= levels={levels}; grey levels must lie in [0, levels - 1]")
    dtype = np.uint8 if levels <= 256 else np.uint16
    return np.ascontiguousarray(img.astype(dtype, copy=False)), levels


def _glcm_inputs(image: Any, distances: Any, angles: Any, levels: int | None, mask: Any):
    """Checked ``(level image, levels, roi, offsets, (n_dist, n_angle))`` of :func:`graycomatrix`."""
    dists = _check_vector(distances, "distances", nonnegative=True)
    angs = _check_vector(angles, "angles", nonnegative=False)
    img, levels = _as_level_image(image, levels, "image")
    roi = check_mask(mask, img.shape)
    offsets = _offsets(dists, angs)
    _check_offsets_fit(img.shape, offsets, "image")
    return img, levels, roi, offsets, (len(dists), len(angs))


def _prop_names(prop: Any) -> tuple[str, ...]:
    """``prop`` (a name or a sequence of names of :data:`GLCM_PROPS`) as a checked tuple."""
    names = (prop,) if isinstance(prop, str) else tuple(prop)
    if not names:
        raise ValueError("prop is an empty sequence; name at least one of " + ", ".join(GLCM_PROPS))
    for name in names:
        check_choice(name, "prop", GLCM_PROPS)
    return names


def _by_name(values: np.ndarray, prop: Any, names: tuple[str, ...], shape: tuple[int, int]):
    """Columns of ``values`` ``(n, len(GLCM_PROPS))`` as ``shape`` arrays: one array for a single
    name, a dict for a sequence (as :func:`graycoprops` returns them)."""
    out = {name: values[:, GLCM_PROPS.index(name)].reshape(shape) for name in names}
    return out[prop] if isinstance(prop, str) else out


def graycomatrix(
    image: Any,
    distances: Any,
    angles: Any,
    levels: int | None = None,
    symmetric: bool = False,
    normed: bool = False,
    mask: Any = None,
) -> np.ndarray:
    """Grey-level co-occurrence matrix, identical to ``skimage.feature.graycomatrix``.

    Parameters
    ----------
    image : (H, W) array_like of int
        Grey levels in ``[0, levels - 1]`` (non-negative integers; floats are rejected —
        quantise them with :func:`features.quantize.quantize`).
    distances : 1-D array_like of float
        Pixel-pair distances (``>= 0``).
    angles : 1-D array_like of float
        Angles in radians. The neighbour of ``(r, c)`` is
        ``(r + round(sin(a) d), c + round(cos(a) d))`` (rounding half away from zero, rows
        downwards): ``0`` = right, ``pi/4`` = lower right, ``pi/2`` = below,
        ``3*pi/4`` = lower left — exactly skimage's offsets.
    levels : int, optional
        Number of grey levels (``<= 65536``); required unless the image is ``uint8``/``int8``
        (then 256).
    symmetric : bool
        Also count ``(j, i)`` for every ``(i, j)`` (so the diagonal is doubled), as skimage.
    normed : bool
        Divide each matrix by its sum (all-zero matrices stay zero).
    mask : (H, W) array_like of bool, optional
        Region of interest: a pixel pair counts only when BOTH pixels lie in the mask
        (skimage has no mask).

    Returns
    -------
    P : (levels, levels, n_distances, n_angles) ndarray
        ``P[i, j, d, a]`` = number of pixels of level ``i`` whose neighbour at distance
        ``distances[d]`` and angle ``angles[a]`` has level ``j``; ``uint32``, or ``float64``
        when ``normed``.

    Raises
    ------
    ValueError
        Non-integer, negative or ``>= levels`` grey values, NaN, bad distances/angles, or an
        image too small for an offset (no pixel pair at all).

    References
    ----------
    .. [1] R. M. Haralick, K. Shanmugam, I. Dinstein, "Textural Features for Image
           Classification", IEEE Trans. SMC 3(6):610-621, 1973. :DOI:`10.1109/TSMC.1973.4309314`

    Examples
    --------
    >>> image = np.array([[0, 0, 1],
    ...                   [0, 1, 1],
    ...                   [2, 2, 1]], dtype=np.uint8)
    >>> graycomatrix(image, [1], [0], levels=3)[:, :, 0, 0]
    array([[1, 2, 0],
           [0, 1, 0],
           [0, 1, 1]], dtype=uint32)
    >>> graycomatrix(image, [1], [np.pi / 2], levels=3)[:, :, 0, 0]  # neighbour below
    array([[1, 1, 1],
           [0, 2, 1],
           [0, 0, 0]], dtype=uint32)
    """
    img, levels, roi, offsets, (n_dist, n_ang) = _glcm_inputs(image, distances, angles, levels, mask)
    kernel = _k.glcm_skimage_normed if normed else _k.glcm_skimage
    mask_arr, use_mask = _mask_args(roi)
    P = kernel(img, offsets, int(levels), mask_arr, use_mask, bool(symmetric))
    return P.reshape(levels, levels, n_dist, n_ang)


def _raise_bad_P(arr: np.ndarray) -> None:
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():  # NaN first (a NaN also fails min >= 0)
        raise ValueError("P contains NaN or infinite values")
    raise ValueError("P contains negative values; co-occurrence counts must be >= 0")


def graycoprops(P: Any, prop: str = "contrast") -> np.ndarray:
    """Texture property of GLCMs, identical to ``skimage.feature.graycoprops``.

    Each matrix is normalised to sum 1 (an all-zero matrix is left as is). With ``p`` the
    normalised matrix, ``mu_i = sum i p_ij``, ``sigma_i^2 = sum p_ij (i - mu_i)^2`` (same for j):

    - ``contrast`` = sum p_ij (i - j)^2;  ``dissimilarity`` = sum p_ij |i - j|
    - ``homogeneity`` = sum p_ij / (1 + (i - j)^2)
    - ``ASM`` = sum p_ij^2;  ``energy`` = sqrt(ASM)
    - ``correlation`` = sum p_ij (i - mu_i)(j - mu_j) / (sigma_i sigma_j), and 1 when
      ``sigma_i`` or ``sigma_j`` < 1e-15 (constant image), as skimage
    - ``mean`` = mu_i;  ``variance`` = sigma_i^2;  ``std`` = sigma_i (row index, as skimage)
    - ``entropy`` = -sum p_ij ln p_ij (NATURAL log, as skimage; 0 ln 0 = 0)

    Parameters
    ----------
    P : (L, L, n_dist, n_angle) array_like
        Counts or probabilities (non-negative, finite), e.g. from :func:`graycomatrix`.
    prop : str or sequence of str
        One of :data:`GLCM_PROPS`, or several of them. All properties come out of one pass
        over each matrix, so asking for several at once costs the same as asking for one.

    Returns
    -------
    (n_dist, n_angle) ndarray of float64
        For a single ``prop``; for a sequence, a dict mapping each name to such an array.

    References
    ----------
    .. [1] M. Hall-Beyer, "GLCM Texture: A Tutorial", 2017. :DOI:`10.11575/PRISM/33280`

    Examples
    --------
    >>> image = np.array([[0, 0, 1, 1],
    ...                   [0, 0, 1, 1],
    ...                   [0, 2, 2, 2],
    ...                   [2, 2, 3, 3]], dtype=np.uint8)
    >>> g = graycomatrix(image, [1, 2], [0, np.pi/2], levels=4, normed=True, symmetric=True)
    >>> graycoprops(g, 'contrast')
    array([[0.58333333, 1.        ],
           [1.25      , 2.75      ]])
    """
    names = _prop_names(prop)
    arr = np.asarray(P)
    if arr.ndim != 4:
        raise ValueError(f"P must be 4-D (levels, levels, n_dist, n_angle), got shape {arr.shape}")
    n_lev, n_lev2, n_dist, n_ang = arr.shape
    if n_lev != n_lev2:
        raise ValueError(f"P must be square in its first two axes, got shape {arr.shape}")
    if n_dist == 0 or n_ang == 0 or n_lev == 0:
        raise ValueError(f"P has an empty axis: shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"P has unsupported dtype {arr.dtype}")
    if arr.dtype.kind == "b" or (arr.dtype.kind in "iu" and arr.dtype.itemsize > 4):
        arr = arr.astype(np.float64)
    layout = np.ascontiguousarray(arr.reshape(n_lev, n_lev, -1))
    values = _k.coprops_skimage_layout(layout, _c.CLOGC_TABLE, arr.dtype.kind in "iu", "entropy" in names)
    # the kernel checks the weights in its pass over P: negative, NaN or inf ones leave NaN or
    # inf in every property (finite valid weights can overflow too, hence the second look at
    # P). The entropy column is NaN by design when it is not asked for, so it is left out.
    if not np.isfinite(values[:, :-1]).all() and (arr.min() < 0 or not np.isfinite(arr).all()):
        _raise_bad_P(arr)
    return _by_name(values, prop, names, (n_dist, n_ang))


def glcm_props(
    image: Any,
    distances: Any,
    angles: Any,
    levels: int | None = None,
    symmetric: bool = False,
    prop: Any = GLCM_PROPS,
    mask: Any = None,
) -> np.ndarray | dict:
    """GLCM properties straight from an image: ``graycoprops(graycomatrix(image, ...), prop)``.

    The same numbers as the two calls (:func:`graycoprops` normalises each matrix, so
    ``normed`` makes no difference), without building the ``(levels, levels, n_dist, n_angle)``
    array: each offset is counted into one reused ``(levels, levels)`` matrix and read at once,
    while it is in cache. Use it when the properties are all you need (256 levels, 4 angles:
    about a third of the time of the two calls, and 1/8 of the memory); use
    :func:`graycomatrix` when you need the matrices.

    Parameters
    ----------
    image, distances, angles, levels, symmetric, mask
        As :func:`graycomatrix`.
    prop : str or sequence of str
        As :func:`graycoprops` (default: all of :data:`GLCM_PROPS`).

    Returns
    -------
    (n_dist, n_angle) ndarray of float64, or dict of them
        As :func:`graycoprops`: an array for a single ``prop``, a dict for a sequence.

    Raises
    ------
    ImageValidationError
        Bad image or mask, or a mask holding no pixel pair at some offset.
    ValueError
        Bad levels, distances, angles or ``prop``.

    Examples
    --------
    >>> image = np.array([[0, 0, 1, 1],
    ...                   [0, 0, 1, 1],
    ...                   [0, 2, 2, 2],
    ...                   [2, 2, 3, 3]], dtype=np.uint8)
    >>> glcm_props(image, [1, 2], [0, np.pi/2], levels=4, symmetric=True, prop="contrast")
    array([[0.58333333, 1.        ],
           [1.25      , 2.75      ]])
    """
    names = _prop_names(prop)
    img, levels, roi, offsets, (n_dist, n_ang) = _glcm_inputs(image, distances, angles, levels, mask)
    values = _count_props(img, offsets, levels, roi, symmetric, "entropy" in names)
    return _by_name(values, prop, names, (n_dist, n_ang))


def haralick(
    image: Any,
    distance: int = 1,
    ignore_zeros: bool = False,
    return_mean: bool = False,
    return_mean_ptp: bool = False,
    use_x_minus_y_variance: bool = False,
) -> np.ndarray:
    """The 13 Haralick features, equal to ``mahotas.features.haralick`` (2-D images).

    For each of mahotas' four directions, as symmetric GLCMs with the pixel offsets
    ``distance * (0, 1), (1, 1), (1, 0), (1, -1)`` (row, col) — right, lower right, below,
    lower left; at distance 1 these are skimage's angles ``0, pi/4, pi/2, 3*pi/4``, but the
    diagonals at distance ``d`` are ``(d, d)``, not skimage's rounded ``round(d / sqrt 2)``) — over the levels
    ``0 .. image.max()`` (so ``L = max + 1``, as mahotas), features in the order of
    :data:`haralick_labels`, with ``p`` the normalised matrix, ``px`` its column sums and
    ``py`` its row sums, ``H`` entropies in **log2** (``0 log 0 = 0``):

    1. ASM ``sum p^2``;  2. contrast ``sum k^2 p_{|x-y|}(k)``;
    3. correlation ``(sum ij p - ux uy) / (sx sy)`` (1 when ``sx`` or ``sy`` is 0);
    4. sum of squares: variance of ``px``;  5. inverse difference moment ``sum p / (1 + (i-j)^2)``;
    6. sum average ``sum k p_{x+y}(k)``;  7. sum variance ``sum k^2 p_{x+y} - (sum average)^2``
       (the corrected formula, not Haralick's typo);  8. sum entropy ``H(p_{x+y})``;
    9. entropy ``HXY = H(p)``;  10. difference variance: population variance of the ``L``
       values of ``p_{|x-y|}`` (mahotas' default; ``use_x_minus_y_variance=True`` gives the
       variance of ``|x - y|`` instead);  11. difference entropy ``H(p_{|x-y|})``;
    12. IMC1 ``(HXY - HXY1) / max(HX, HY)`` (``HXY - HXY1`` when both are 0);
    13. IMC2 ``sqrt(1 - exp(-2 (HXY2 - HXY)))`` clipped at 0.
    For symmetric matrices ``HXY1 = HXY2 = HX + HY``. The 14th feature (maximal correlation
    coefficient) is not computed. A constant image gives ASM 1, correlation 1, entropy 0 …

    Parameters
    ----------
    image : (H, W) array_like of int
        Non-negative integer image (levels used as they are).
    distance : int
        Pixel distance of the pairs.
    ignore_zeros : bool
        Drop every pair involving level 0 (background), as mahotas.
    return_mean, return_mean_ptp : bool
        Return the mean over the 4 directions (13,), or mean then ptp (26,).
    use_x_minus_y_variance : bool
        See feature 10.

    Returns
    -------
    (4, 13) ndarray of float64, or (13,) / (26,) with ``return_mean`` / ``return_mean_ptp``.

    Raises
    ------
    ValueError
        Float or negative images, an image smaller than ``distance + 1``, or (with
        ``ignore_zeros``) a direction without any non-zero pair — as mahotas.

    References
    ----------
    .. [1] R. M. Haralick, K. Shanmugam, I. Dinstein, "Textural Features for Image
           Classification", IEEE Trans. SMC 3(6):610-621, 1973. :DOI:`10.1109/TSMC.1973.4309314`
    .. [2] L. P. Coelho, "Mahotas", J. Open Research Software 1(1):e3, 2013. :DOI:`10.5334/jors.ac`

    Examples
    --------
    >>> f = haralick(np.array([[0, 0, 1], [0, 1, 1], [2, 2, 1]], dtype=np.uint8))
    >>> f.shape
    (4, 13)
    >>> round(float(f[0, 1]), 6)  # contrast to the right neighbour (mahotas: 0.5)
    0.5
    """
    if return_mean and return_mean_ptp:
        raise ValueError("return_mean and return_mean_ptp cannot both be set")
    distance = check_positive_int(distance, "distance")
    img = check_image(image, name="image", min_shape=(distance + 1, distance + 1), what=f"distance={distance} + 1")
    if img.dtype.kind == "f":
        raise ImageValidationError(f"image is a float image ({img.dtype}); haralick needs integer levels")
    if img.min() < 0:
        raise ValueError(f"image has negative values (min {img.min()}); grey levels must be >= 0")
    levels = int(img.max()) + 1
    if levels > MAX_LEVELS:
        raise ValueError(
            f"image has maximum {levels - 1}; haralick uses max + 1 grey levels and supports at most "
            f"{MAX_LEVELS} (quantise the image first)"
        )
    img, levels = _as_level_image(img, levels, "image")
    offsets = distance * _MAHOTAS_DELTAS
    counts = _count(img, offsets, levels, None, True)
    if ignore_zeros:
        counts[:, 0, :] = 0
        counts[:, :, 0] = 0
    empty = np.flatnonzero(counts.reshape(len(offsets), -1).sum(axis=1) == 0)
    if empty.size:
        raise ValueError(
            f"image has no pixel pair left in direction {int(empty[0])} (ignore_zeros={ignore_zeros}); "
            "cannot compute Haralick features of an empty co-occurrence matrix"
        )
    feats = _k.haralick13(counts, _c.CLOGC_TABLE, bool(use_x_minus_y_variance))
    if return_mean:
        return feats.mean(axis=0)
    if return_mean_ptp:
        return np.concatenate([feats.mean(axis=0), np.ptp(feats, axis=0)])
    return feats


def _summarise(values: np.ndarray, summary: str) -> np.ndarray:
    """Summarise ``(n_dist, n_angle, n_props)`` over the angle axis."""
    if summary == "mean":
        return values.mean(axis=1)
    if summary == "range":
        return values.max(axis=1) - values.min(axis=1)
    if summary == "min":
        return values.min(axis=1)
    if summary == "max":
        return values.max(axis=1)
    return values.std(axis=1)  # "std", ddof=0


def _check_glcm_params(distances, angles, props, summaries) -> tuple[tuple[int, ...], np.ndarray, tuple, tuple]:
    if np.isscalar(distances):
        distances = (distances,)
    dists = tuple(check_positive_int(d, "distances") for d in distances)
    if not dists:
        raise ValueError("distances must not be empty")
    angs = _check_vector(angles, "angles", nonnegative=False)
    props = (props,) if isinstance(props, str) else tuple(props)
    summaries = (summaries,) if isinstance(summaries, str) else tuple(summaries)
    if not props or not summaries:
        raise ValueError("props and summaries must not be empty")
    for p in props:
        check_choice(p, "props", GLCM_PROPS)
    for s in summaries:
        check_choice(s, "summaries", GLCM_SUMMARIES)
    return dists, angs, props, summaries


def glcm_feature_names(
    distances=(1,), props=GLCM_PROPS, summaries=("mean", "range"), prefix: str = "glcm"
) -> list[str]:
    """Names of :func:`glcm_features` entries, e.g. ``"glcm_contrast_d1_mean"`` (prop, distance, summary).

    >>> glcm_feature_names((1,), ("ASM",), ("mean", "range"))
    ['glcm_ASM_d1_mean', 'glcm_ASM_d1_range']
    """
    dists, _, props, summaries = _check_glcm_params(distances, _DEFAULT_ANGLES, props, summaries)
    return [f"{prefix}_{p}_d{d}_{s}" for p in props for d in dists for s in summaries]


def glcm_features(
    image: Any,
    levels: int = 32,
    distances: Any = (1,),
    angles: Any = _DEFAULT_ANGLES,
    props: Any = GLCM_PROPS,
    summaries: Any = ("mean", "range"),
    symmetric: bool = True,
    mask: Any = None,
    quantization: str = "levels",
    bin_width: float | None = None,
) -> np.ndarray:
    """GLCM texture vector: every property summarised over the angles, per distance.

    The image is quantised by :func:`features.quantize.quantize` (``"levels"``: ``levels``
    equal shares of the dtype range, floats assumed in ``[0, 1]``; ``"bin_width"``: fixed
    bin width from the ROI minimum, ``levels`` ignored), one GLCM is counted per
    (distance, angle) — inside ``mask`` when given, pairs with both pixels in it — and the
    :func:`graycoprops` properties are summarised over the angles.

    Parameters
    ----------
    image : (H, W) array_like
        Integer image, or float image in ``[0, 1]`` (``"levels"``), or any real image
        (``"bin_width"``).
    levels : int
        Number of grey levels for ``quantization="levels"``.
    distances : sequence of int
        Pixel distances (positive).
    angles : sequence of float
        Angles in radians (see :func:`graycomatrix` for the direction).
    props : sequence of str
        Any of :data:`GLCM_PROPS` (default: all ten).
    summaries : sequence of str
        Any of :data:`GLCM_SUMMARIES` over the angles; ``"range"`` = max - min, ``"std"`` uses
        ddof = 0.
    symmetric : bool
        Symmetric GLCMs (default True: direction-free texture).
    mask : (H, W) array_like of bool, optional
        Region of interest (must hold at least one pixel pair for each offset).
    quantization : {"levels", "bin_width"}
    bin_width : float, optional
        Bin width for ``quantization="bin_width"``.

    Returns
    -------
    (len(props) * len(distances) * len(summaries),) ndarray of float64
        Ordered prop-major, then distance, then summary, as :func:`glcm_feature_names`.

    Examples
    --------
    >>> img = np.array([[0, 0, 255], [0, 255, 255], [255, 255, 0]], dtype=np.uint8)
    >>> glcm_features(img, levels=2, props=("contrast",), summaries=("mean", "range"))
    array([0.5, 1. ])
    """
    dists, angs, props, summaries = _check_glcm_params(distances, angles, props, summaries)
    check_choice(quantization, "quantization", ("levels", "bin_width"))
    img = check_image(image, name="image")
    roi = check_mask(mask, img.shape)
    q, n_levels = quantize(img, method=quantization, levels=levels, bin_width=bin_width, mask=roi)
    offsets = _offsets(np.asarray(dists, dtype=np.float64), angs)
    _check_offsets_fit(q.shape, offsets, "image")
    allp = _count_props(q, offsets, n_levels, roi, symmetric, "entropy" in props)
    allp = allp.reshape(len(dists), len(angs), len(GLCM_PROPS))
    idx = [GLCM_PROPS.index(p) for p in props]
    chosen = allp[:, :, idx]  # (n_dist, n_angle, n_props)
    summ = np.stack([_summarise(chosen, s) for s in summaries], axis=-1)  # (n_dist, n_props, n_summ)
    return np.ascontiguousarray(summ.transpose(1, 0, 2)).ravel()

# the transformer lives in features.transformers (imports scikit-learn only when asked for)
__getattr__ = transformer_getattr(__name__, ('GLCMFeatures',))
