"""Numba kernels for MVM-LBP and MVMBP (private; definitions in :mod:`features.patterns`).

Codes are computed for the pixels whose window fits in the image ("valid" region); the code
of input pixel ``(r, c)`` is stored at ``(r - R, c - R)``. Each kernel works on one image row
at a time with loops over the columns (vectorised by LLVM); the window statistics are summed
in window order (row-major), the same for every pixel.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .constants import COL_STEPS, ROW_STEPS


@njit(cache=True, nogil=True)
def _median9_rows(w, n):
    """Column-wise median of the 9 rows of ``w[:, :n]`` (rows are permuted in place).

    Paeth's 19 compare-exchange median-of-9 network (as in Devillard's ``opt_med9``), applied
    to whole rows so that each compare-exchange is a vectorised min/max over the columns.
    """
    for a, b in (
        (1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8), (0, 3),
        (5, 8), (4, 7), (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2),
    ):
        _compare_exchange_rows(w[a], w[b], n)
    return w[4]


@njit(cache=True, nogil=True)
def _compare_exchange_rows(wa, wb, n):
    for j in range(n):
        x = wa[j]
        y = wb[j]
        wa[j] = min(x, y)
        wb[j] = max(x, y)


@njit(cache=True, nogil=True)
def _median_rows(w, n_win, n):
    """Column-wise median of the ``n_win`` (odd) rows of ``w[:, :n]``; rows are permuted in place.

    ``n_win = 9``: the 19-exchange network above. Otherwise ``n_win // 2 + 1`` bubble passes
    (each moves the largest remaining value of every column to the end), after which row
    ``n_win // 2`` holds the median. Every compare-exchange is a vectorised min/max.
    """
    if n_win == 9:
        return _median9_rows(w, n)
    for p in range(n_win // 2 + 1):
        for q in range(n_win - 1 - p):
            _compare_exchange_rows(w[q], w[q + 1], n)
    return w[n_win // 2]


@njit(cache=True, nogil=True, inline="always")
def _sort2(a, b):
    return min(a, b), max(a, b)


@njit(cache=True, nogil=True)
def _mvm_lbp_row_r1(img, r, out):
    """:func:`_mvm_lbp_row` for ``R = 1``: one pass over the columns with the 3x3 window in
    registers (straight-line code that LLVM vectorises), the same sums in the same order and
    the same median network, hence the same bits."""
    n = img.shape[1] - 2
    up = img[r - 1]
    mid = img[r]
    down = img[r + 1]
    for j in range(n):
        # window order (row-major): q0 q1 q2 / q3 q4 q5 / q6 q7 q8
        q0 = up[j]
        q1 = up[j + 1]
        q2 = up[j + 2]
        q3 = mid[j]
        q4 = mid[j + 1]
        q5 = mid[j + 2]
        q6 = down[j]
        q7 = down[j + 1]
        q8 = down[j + 2]
        mean = ((((((((q0 + q1) + q2) + q3) + q4) + q5) + q6) + q7) + q8) / 9
        acc = (q0 - mean) * (q0 - mean)
        acc += (q1 - mean) * (q1 - mean)
        acc += (q2 - mean) * (q2 - mean)
        acc += (q3 - mean) * (q3 - mean)
        acc += (q4 - mean) * (q4 - mean)
        acc += (q5 - mean) * (q5 - mean)
        acc += (q6 - mean) * (q6 - mean)
        acc += (q7 - mean) * (q7 - mean)
        acc += (q8 - mean) * (q8 - mean)
        # the 19-exchange median-of-9 network of _median9_rows
        m0, m1, m2, m3, m4, m5, m6, m7, m8 = q0, q1, q2, q3, q4, q5, q6, q7, q8
        m1, m2 = _sort2(m1, m2)
        m4, m5 = _sort2(m4, m5)
        m7, m8 = _sort2(m7, m8)
        m0, m1 = _sort2(m0, m1)
        m3, m4 = _sort2(m3, m4)
        m6, m7 = _sort2(m6, m7)
        m1, m2 = _sort2(m1, m2)
        m4, m5 = _sort2(m4, m5)
        m7, m8 = _sort2(m7, m8)
        m0, m3 = _sort2(m0, m3)
        m5, m8 = _sort2(m5, m8)
        m4, m7 = _sort2(m4, m7)
        m3, m6 = _sort2(m3, m6)
        m1, m4 = _sort2(m1, m4)
        m2, m5 = _sort2(m2, m5)
        m4, m7 = _sort2(m4, m7)
        m4, m2 = _sort2(m4, m2)
        m6, m4 = _sort2(m6, m4)
        m4, m2 = _sort2(m4, m2)
        threshold = (mean + math.sqrt(acc / 9) + m4) / 3.0
        # compass order k = 0..7: E, NE, N, NW, W, SW, S, SE
        code = np.int32(1) if q5 >= threshold else np.int32(0)
        code |= np.int32(2) if q2 >= threshold else np.int32(0)
        code |= np.int32(4) if q1 >= threshold else np.int32(0)
        code |= np.int32(8) if q0 >= threshold else np.int32(0)
        code |= np.int32(16) if q3 >= threshold else np.int32(0)
        code |= np.int32(32) if q6 >= threshold else np.int32(0)
        code |= np.int32(64) if q7 >= threshold else np.int32(0)
        code |= np.int32(128) if q8 >= threshold else np.int32(0)
        out[j] = code


@njit(cache=True, nogil=True)
def _mvm_lbp_row(img, r, R, w, buf, row_steps, col_steps, out):
    """MVM-LBP codes of the valid pixels of row ``r`` into ``out[:n]``.

    ``w[q, j]`` holds window value ``q`` (row-major over the window) of column ``R + j``.
    """
    cols = img.shape[1]
    n = cols - 2 * R
    side = 2 * R + 1
    n_win = side * side
    q = 0
    for dr in range(-R, R + 1):
        src_row = img[r + dr]
        for dc in range(-R, R + 1):
            src = src_row[R + dc : R + dc + n]
            wq = w[q]
            for j in range(n):
                wq[j] = src[j]
            q += 1
    total = buf[0]
    acc = buf[1]
    for j in range(n):
        total[j] = 0.0
        acc[j] = 0.0
    for q in range(n_win):  # sequential sums in window order
        wq = w[q]
        for j in range(n):
            total[j] += wq[j]
    mean = buf[2]
    for j in range(n):
        mean[j] = total[j] / n_win
    for q in range(n_win):
        wq = w[q]
        for j in range(n):
            d = wq[j] - mean[j]
            acc[j] += d * d
    med = _median_rows(w, n_win, n)
    threshold = buf[3]
    for j in range(n):
        threshold[j] = (mean[j] + math.sqrt(acc[j] / n_win) + med[j]) / 3.0
        out[j] = 0
    for k in range(8):
        bit = np.int32(1) << np.int32(k)
        nb = img[r + R * row_steps[k], R + R * col_steps[k] : R + R * col_steps[k] + n]
        for j in range(n):
            out[j] |= bit if nb[j] >= threshold[j] else np.int32(0)


@njit(cache=True, nogil=True)
def _mvmbp_row(img, r, R, w, buf, row_steps, col_steps, out):
    """MVMBP codes of the valid pixels of row ``r`` (R = 1) into ``out[:n]``.

    One pass over the columns with the 3x3 window in registers (straight-line code that
    LLVM vectorises; ``R``, ``w``, ``buf`` and the step tables are unused, the compass order
    is written out).
    """
    n = img.shape[1] - 2
    up = img[r - 1]
    mid = img[r]
    down = img[r + 1]
    for j in range(n):
        g = mid[j + 1]
        # compass order k = 0..7: E, NE, N, NW, W, SW, S, SE (rows downwards)
        d0 = mid[j + 2] - g
        d1 = up[j + 2] - g
        d2 = up[j + 1] - g
        d3 = up[j] - g
        d4 = mid[j] - g
        d5 = down[j] - g
        d6 = down[j + 1] - g
        d7 = down[j + 2] - g
        # sum of (g - g_c) over the window in the order of k (the centre adds 0)
        total = ((((((d0 + d1) + d2) + d3) + d4) + d5) + d6) + d7
        code = np.int32(256) if 0.0 > total else np.int32(0)  # bit 8: the centre, 9 * 0 > sum
        code |= np.int32(1) if 9.0 * d0 > total else np.int32(0)
        code |= np.int32(2) if 9.0 * d1 > total else np.int32(0)
        code |= np.int32(4) if 9.0 * d2 > total else np.int32(0)
        code |= np.int32(8) if 9.0 * d3 > total else np.int32(0)
        code |= np.int32(16) if 9.0 * d4 > total else np.int32(0)
        code |= np.int32(32) if 9.0 * d5 > total else np.int32(0)
        code |= np.int32(64) if 9.0 * d6 > total else np.int32(0)
        code |= np.int32(128) if 9.0 * d7 > total else np.int32(0)
        out[j] = code


@njit(cache=True, nogil=True)
def _scratch(img, R):
    n = img.shape[1] - 2 * R
    side = 2 * R + 1
    w = np.empty((side * side, n), dtype=np.float64)
    buf = np.empty((4, n), dtype=np.float64)
    return w, buf, np.empty(n, dtype=np.int32)


MVM_LBP, MVMBP = 0, 1


@njit(cache=True, nogil=True)
def _row(kind, img, r, R, w, buf, row_steps, col_steps, codes):
    # an integer switch rather than a function argument: first-class functions defeat cache=True
    if kind == MVM_LBP:
        if R == 1:
            _mvm_lbp_row_r1(img, r, codes)
        else:
            _mvm_lbp_row(img, r, R, w, buf, row_steps, col_steps, codes)
    else:
        _mvmbp_row(img, r, R, w, buf, row_steps, col_steps, codes)


@njit(cache=True, nogil=True)
def _codes(img, R, kind, row_steps, col_steps):
    """Code image of the valid region; ``kind`` is MVM_LBP or MVMBP."""
    rows, cols = img.shape
    out = np.empty((rows - 2 * R, cols - 2 * R), dtype=np.uint16)
    w, buf, codes = _scratch(img, R)
    for r in range(R, rows - R):
        _row(kind, img, r, R, w, buf, row_steps, col_steps, codes)
        out[r - R] = codes
    return out


@njit(cache=True, nogil=True)
def _counts(img, R, kind, row_steps, col_steps, lut, n_bins, mask, use_mask):
    """Histogram counts of ``lut[code]`` over the valid region (centres inside ``mask``)."""
    rows, cols = img.shape
    n = cols - 2 * R
    counts = np.zeros(n_bins, dtype=np.int64)
    w, buf, codes = _scratch(img, R)
    for r in range(R, rows - R):
        if use_mask:
            m = mask[r, R : R + n]
            if not m.any():
                continue
            _row(kind, img, r, R, w, buf, row_steps, col_steps, codes)
            for j in range(n):
                if m[j]:
                    counts[lut[codes[j]]] += 1
        else:
            _row(kind, img, r, R, w, buf, row_steps, col_steps, codes)
            for j in range(n):
                counts[lut[codes[j]]] += 1
    return counts


@njit(cache=True, nogil=True)
def mvm_lbp_image(img, R):
    return _codes(img, R, MVM_LBP, ROW_STEPS, COL_STEPS)


@njit(cache=True, nogil=True)
def mvmbp_image(img):
    return _codes(img, 1, MVMBP, ROW_STEPS, COL_STEPS)


@njit(cache=True, nogil=True)
def mvm_lbp_counts(img, R, lut, n_bins, mask, use_mask):
    return _counts(img, R, MVM_LBP, ROW_STEPS, COL_STEPS, lut, n_bins, mask, use_mask)


@njit(cache=True, nogil=True)
def mvmbp_counts(img, lut, n_bins, mask, use_mask):
    return _counts(img, 1, MVMBP, ROW_STEPS, COL_STEPS, lut, n_bins, mask, use_mask)
