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
def resize_area(image, out, to_int):
    """Area-weighted resampling of a 2-D real array into ``out`` (any real dtype, its shape is
    the output size).

    Each output value is ``sum_k w_k * sample_k`` accumulated in float64, tap by tap in
    source order; with ``to_int`` (an integer ``out``) it is rounded half to even
    (``np.rint``; the value is a convex combination of integers, so it lies within the
    input's range and needs no clipping).
    """
    h, w = image.shape
    out_rows, out_cols = out.shape
    rs, rn, rw = _taps(h, out_rows)
    cs, cn, cw = _taps(w, out_cols)
    n_taps = cw.shape[1]
    # vertical pass; the rows of tmp carry n_taps zero columns so that every output column
    # can run over all n_taps taps (the unused taps have weight 0 and add exactly 0.0)
    tmp = np.zeros((out_rows, w + n_taps))
    for i in range(out_rows):
        dst = tmp[i, :w]
        for k in range(rn[i]):
            wt = rw[i, k]
            src = image[rs[i] + k]
            for c in range(w):
                dst[c] += wt * np.float64(src[c])
    # horizontal pass: one fixed-length sweep per tap (vectorised over the output columns)
    acc = np.empty(out_cols)
    for i in range(out_rows):
        row = tmp[i]
        acc[:] = 0.0
        for k in range(n_taps):
            for j in range(out_cols):
                acc[j] += cw[j, k] * row[cs[j] + k]
        if to_int:
            for j in range(out_cols):
                out[i, j] = np.rint(acc[j])
        else:
            for j in range(out_cols):
                out[i, j] = acc[j]
    return out
