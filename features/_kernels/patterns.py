"""Numba kernels for MVM-LBP and MVMBP (private; definitions in :mod:`features.patterns`).

Codes are computed for the pixels whose window fits in the image ("valid" region); the code
of input pixel ``(r, c)`` is stored at ``(r - R, c - R)``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Compass neighbours k = 0..7: east, then counter-clockwise on screen (row offsets point down).
ROW_STEPS = np.array([0, -1, -1, -1, 0, 1, 1, 1], dtype=np.int64)
COL_STEPS = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)


@njit(cache=True, nogil=True)
def _median_sorted(buf, n):
    """Median of ``buf[:n]`` (n odd) by insertion sort in place."""
    for i in range(1, n):
        v = buf[i]
        j = i - 1
        while j >= 0 and buf[j] > v:
            buf[j + 1] = buf[j]
            j -= 1
        buf[j + 1] = v
    return buf[n // 2]


@njit(cache=True, nogil=True)
def _mvm_lbp_code(img, r, c, R, buf, row_steps, col_steps):
    side = 2 * R + 1
    n = side * side
    total = 0.0
    k = 0
    for dr in range(-R, R + 1):
        for dc in range(-R, R + 1):
            v = img[r + dr, c + dc]
            buf[k] = v
            total += v
            k += 1
    mean = total / n
    acc = 0.0
    for k in range(n):
        d = buf[k] - mean
        acc += d * d
    std = math.sqrt(acc / n)
    median = _median_sorted(buf, n)
    threshold = (mean + std + median) / 3.0
    code = 0
    for k in range(8):
        if img[r + R * row_steps[k], c + R * col_steps[k]] >= threshold:
            code |= 1 << k
    return code


@njit(cache=True, nogil=True)
def _mvmbp_code(img, r, c, row_steps, col_steps):
    centre = img[r, c]
    total = 0.0  # sum of (g - g_c) over the 3x3 window (the centre adds 0)
    for k in range(8):
        total += img[r + row_steps[k], c + col_steps[k]] - centre
    code = 0
    for k in range(8):
        if 9.0 * (img[r + row_steps[k], c + col_steps[k]] - centre) > total:
            code |= 1 << k
    if 0.0 > total:  # the centre's own bit: 9 * 0 > sum
        code |= 1 << 8
    return code


@njit(cache=True, nogil=True)
def _codes(img, R, kind, row_steps, col_steps):
    rows, cols = img.shape
    out = np.empty((rows - 2 * R, cols - 2 * R), dtype=np.uint16)
    buf = np.empty((2 * R + 1) ** 2, dtype=np.float64)
    for r in range(R, rows - R):
        for c in range(R, cols - R):
            if kind == 0:
                out[r - R, c - R] = _mvm_lbp_code(img, r, c, R, buf, row_steps, col_steps)
            else:
                out[r - R, c - R] = _mvmbp_code(img, r, c, row_steps, col_steps)
    return out


@njit(cache=True, nogil=True)
def _counts(img, R, kind, row_steps, col_steps, lut, n_bins, mask, use_mask):
    rows, cols = img.shape
    counts = np.zeros(n_bins, dtype=np.int64)
    buf = np.empty((2 * R + 1) ** 2, dtype=np.float64)
    for r in range(R, rows - R):
        for c in range(R, cols - R):
            if use_mask and not mask[r, c]:
                continue
            if kind == 0:
                code = _mvm_lbp_code(img, r, c, R, buf, row_steps, col_steps)
            else:
                code = _mvmbp_code(img, r, c, row_steps, col_steps)
            counts[lut[code]] += 1
    return counts


def mvm_lbp_image(img, R):
    return _codes(img, R, 0, ROW_STEPS, COL_STEPS)


def mvmbp_image(img):
    return _codes(img, 1, 1, ROW_STEPS, COL_STEPS)


def mvm_lbp_counts(img, R, lut, n_bins, mask, use_mask):
    return _counts(img, R, 0, ROW_STEPS, COL_STEPS, lut, n_bins, mask, use_mask)


def mvmbp_counts(img, lut, n_bins, mask, use_mask):
    return _counts(img, 1, 1, ROW_STEPS, COL_STEPS, lut, n_bins, mask, use_mask)
