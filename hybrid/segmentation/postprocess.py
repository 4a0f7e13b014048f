"""Post-processing of probability maps into clean binary masks.

Every step is a small public function and a flag of :func:`postprocess`, which applies them
in this fixed order::

    threshold → opening → closing → fill holes → remove small components → keep largest

Conventions (chosen on purpose, pinned by tests):

* ``threshold``: a pixel is foreground when ``probability >= threshold`` (``>=``, not ``>``).
* Structuring element of radius ``r``: the disk ``{(i, j): i² + j² <= r²}`` (``skimage.morphology.disk``);
  radius 0 disables the step. Outside the image counts as background.
* Components are **8-connected** (a diagonal neighbour joins a component); holes are the
  background regions not 4-connected to the image border (``scipy.ndimage.binary_fill_holes``).
* ``min_size``: components with *fewer than* ``min_size`` pixels are removed.
* ``keep_largest``: ties are broken by the lowest label (first in raster order).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import ndimage

__all__ = [
    "threshold_map", "binary_open", "binary_close", "fill_holes", "remove_small_components",
    "keep_largest_component", "postprocess", "POSTPROCESS_KEYS",
]

_EIGHT = np.ones((3, 3), dtype=bool)
POSTPROCESS_KEYS = ("threshold", "opening", "closing", "fill_holes", "min_size", "keep_largest")


def _as_mask(mask, name: str = "mask") -> np.ndarray:
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {m.shape}")
    return m != 0


def _disk(radius: int) -> np.ndarray:
    r = int(radius)
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return yy**2 + xx**2 <= r**2


def _check_radius(radius) -> int:
    if isinstance(radius, bool) or not isinstance(radius, (int, np.integer)) or radius < 0:
        raise ValueError(f"radius must be an integer >= 0, got {radius!r}")
    return int(radius)


def threshold_map(probability, threshold: float = 0.5) -> np.ndarray:
    """Binary mask ``probability >= threshold`` of a 2-D map (NaN rejected).

    >>> threshold_map(np.array([[0.2, 0.5, 0.9]]), 0.5)
    array([[False,  True,  True]])
    """
    p = np.asarray(probability, dtype=float)
    if p.ndim != 2:
        raise ValueError(f"probability map must be 2-D, got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("probability map contains NaN or infinite values")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold!r}")
    return p >= threshold


def binary_open(mask, radius: int = 1) -> np.ndarray:
    """Morphological opening (erosion then dilation) with a disk of ``radius``; removes thin spurs.

    >>> m = np.zeros((5, 5), bool); m[1:4, 1:4] = True; m[0, 0] = True
    >>> int(binary_open(m, 1)[0, 0])
    0
    """
    m, r = _as_mask(mask), _check_radius(radius)
    if r == 0:
        return m
    return ndimage.binary_opening(m, structure=_disk(r), border_value=0)


def binary_close(mask, radius: int = 1) -> np.ndarray:
    """Morphological closing (dilation then erosion) with a disk of ``radius``; bridges small gaps.

    The mask is zero-padded by ``radius`` first so that objects touching the border are not
    eroded by the closing.
    """
    m, r = _as_mask(mask), _check_radius(radius)
    if r == 0:
        return m
    padded = np.pad(m, r)
    return ndimage.binary_closing(padded, structure=_disk(r), border_value=0)[r:-r, r:-r]


def fill_holes(mask) -> np.ndarray:
    """Fill background regions fully enclosed by foreground.

    >>> m = np.ones((3, 3), bool); m[1, 1] = False
    >>> bool(fill_holes(m)[1, 1])
    True
    """
    return ndimage.binary_fill_holes(_as_mask(mask))


def _components(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels, n = ndimage.label(m, structure=_EIGHT)
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    sizes[0] = 0
    return labels, sizes


def remove_small_components(mask, min_size: int) -> np.ndarray:
    """Drop 8-connected components with fewer than ``min_size`` pixels.

    >>> m = np.array([[1, 0, 0, 1, 1]])
    >>> remove_small_components(m, 2).astype(int)
    array([[0, 0, 0, 1, 1]])
    """
    m = _as_mask(mask)
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 0:
        raise ValueError(f"min_size must be an integer >= 0, got {min_size!r}")
    if min_size <= 1 or not m.any():
        return m
    labels, sizes = _components(m)
    return (sizes >= min_size)[labels] & m


def keep_largest_component(mask) -> np.ndarray:
    """Keep only the largest 8-connected component (first in raster order on ties).

    >>> keep_largest_component(np.array([[1, 1, 0, 1]])).astype(int)
    array([[1, 1, 0, 0]])
    """
    m = _as_mask(mask)
    if not m.any():
        return m
    labels, sizes = _components(m)
    return labels == int(np.argmax(sizes))


def postprocess(probability, threshold: float = 0.5, opening: int = 0, closing: int = 0,
                fill_holes: bool = False, min_size: int = 0, keep_largest: bool = False) -> np.ndarray:
    """Probability map (or mask) → post-processed boolean mask, steps in the module's fixed order.

    Parameters
    ----------
    probability : array_like (H, W)
        Probabilities in [0, 1] (a boolean mask works too with any threshold in (0, 1]).
    threshold : float
        Foreground when ``probability >= threshold``.
    opening, closing : int
        Disk radii (0 = skip).
    fill_holes : bool
    min_size : int
        Remove components with fewer pixels (0 or 1 = keep all).
    keep_largest : bool

    Examples
    --------
    >>> p = np.array([[0.9, 0.9, 0.0, 0.6]])
    >>> postprocess(p, keep_largest=True).astype(int)
    array([[1, 1, 0, 0]])
    """
    m = threshold_map(probability, threshold)
    m = binary_open(m, opening)
    m = binary_close(m, closing)
    if fill_holes:
        m = ndimage.binary_fill_holes(m)
    m = remove_small_components(m, min_size)
    if keep_largest:
        m = keep_largest_component(m)
    return m


def check_postprocess_options(options: Mapping | None) -> dict:
    """Validate a ``postprocess`` dict of :func:`postprocess` keyword arguments (``threshold`` excluded)."""
    options = dict(options or {})
    unknown = set(options) - set(POSTPROCESS_KEYS[1:])
    if unknown:
        raise ValueError(f"unknown postprocess option(s) {sorted(unknown)}; expected some of {POSTPROCESS_KEYS[1:]}")
    return options


__all__.append("check_postprocess_options")
