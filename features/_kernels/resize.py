"""Numba kernel of area-weighted (box) resampling (private; see ``features._prepare.resize``)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _taps(n_in, n_out):
    """Source indices and weights of each output sample along one axis.

    Output sample ``i`` averages the input over ``[i * s, (i + 1) * s)`` with ``s = n_in / n_out``,
    each input sample weighted by its overlap with that interval (weights sum to 1).
    """
    scale = n_in / n_out
    max_taps = int(np.ceil(scale)) + 2
    start = np.empty(n_out, dtype=np.intp)
    count = np.zeros(n_out, dtype=np.intp)
    weight = np.zeros((n_out, max_taps))
    for i in range(n_out):
        lo = i * scale
        hi = (i + 1) * scale
        j0 = int(np.floor(lo))
        start[i] = j0
        j = j0
        k = 0
        while j < n_in and j < hi and k < max_taps:
            a = max(lo, float(j))
            b = min(hi, float(j + 1))
            if b > a:
                weight[i, k] = (b - a) / scale
            k += 1
            j += 1
        count[i] = k
    return start, count, weight


@njit(cache=True, nogil=True)
def resize_area(image, out_rows, out_cols):
    """Area-weighted resampling of a 2-D real array to ``(out_rows, out_cols)``, float64 result."""
    h, w = image.shape
    rs, rn, rw = _taps(h, out_rows)
    cs, cn, cw = _taps(w, out_cols)
    tmp = np.zeros((out_rows, w))
    for i in range(out_rows):
        for k in range(rn[i]):
            wt = rw[i, k]
            src = rs[i] + k
            for c in range(w):
                tmp[i, c] += wt * np.float64(image[src, c])
    out = np.zeros((out_rows, out_cols))
    for i in range(out_rows):
        for j in range(out_cols):
            s = 0.0
            for k in range(cn[j]):
                s += cw[j, k] * tmp[i, cs[j] + k]
            out[i, j] = s
    return out
