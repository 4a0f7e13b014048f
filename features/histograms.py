"""Helpers shared by the pattern-histogram extractors (LBP, MVM-LBP, MVMBP).

* :func:`normalised_histogram` — integer counts -> frequencies that sum to 1, with the
  empty-region rule in one place;
* :func:`check_n_bins` — the ``n_bins`` argument (a ``minlength``, like ``np.bincount``).

(How a ``(H, W, C)`` image becomes one channel is :func:`features._prepare.to_grey`.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import ImageValidationError, check_positive_int

__all__ = ["normalised_histogram", "check_n_bins"]


def check_n_bins(n_bins: Any, n_codes: int) -> int:
    """Return the histogram length: ``n_codes`` when ``n_bins`` is None, else ``n_bins``.

    An explicit ``n_bins`` must be at least ``n_codes`` (the number of codes the method can
    produce); the extra trailing bins stay 0, like ``np.bincount(..., minlength=n_bins)``.
    """
    if n_bins is None:
        return int(n_codes)
    n_bins = check_positive_int(n_bins, "n_bins")
    if n_bins < n_codes:
        raise ValueError(f"n_bins={n_bins} is smaller than the {n_codes} codes this method produces")
    return n_bins


def normalised_histogram(counts: np.ndarray, *, what: str = "image") -> np.ndarray:
    """Turn integer bin counts into float64 frequencies summing to 1.

    Empty-region rule: when no pixel was counted (an all-False ``mask``, or a mask that only
    covers the border where the window does not fit) there is no distribution to return, so
    an :class:`~features._validation.ImageValidationError` naming ``mask`` is raised rather
    than returning zeros or NaN.
    """
    total = int(counts.sum())
    if total == 0:
        raise ImageValidationError(
            f"mask selects no pixel of the {what} where a code is defined; cannot build a histogram"
        )
    return counts.astype(np.float64) / total

