"""Numba kernels of the HOG descriptor (private; see :func:`features.hog.hog`).

``cell_histograms`` does gradients, channel selection, orientation binning and cell
histograms in one pass over the pixels; ``normalize_blocks`` does the block normalisation.

Exactness versus ``skimage.feature.hog`` (scikit-image >= 0.20, ``_hoghistogram.pyx``):

* gradients are central differences computed in the image's float dtype, zero on the
  first/last row (row gradient) and first/last column (column gradient);
* a pixel votes its full magnitude ``hypot(g_row, g_col)`` into bin ``i`` iff
  ``180/n * i <= o < 180/n * (i + 1)`` with ``o = rad2deg(arctan2(g_row, g_col)) % 180``
  (float64; a pixel whose ``o`` rounds to the upper end of the last bin votes nowhere);
* a cell sums its pixels in raster order in a *float32* accumulator and divides by the
  number of pixels of the cell in float32.

Computing ``arctan2`` for every pixel is the slow part of the reference, so the bin is found
from the signs of cross products with the bin-boundary directions; only pixels whose
gradient lies within 1e-9 (relative) of a boundary, or on the 0/180 degree axis, take the
exact ``arctan2`` path, which reproduces the reference's float64 comparisons bit for bit
(e.g. a gradient a hair above the negative column axis, whose ``o`` rounds to 180 and then
wraps to 0).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .constants import HOG_METHODS

_RAD2DEG = 180.0 / math.pi
_NEAR = 1e-9  # relative distance to a bin boundary below which the exact path is taken
METHODS = HOG_METHODS


@njit(cache=True, nogil=True)
def _exact_bin(gy: float, gx: float, per180: float, n_bins: int) -> int:
    """The reference's bin of a gradient: -1 when it falls in no bin."""
    o = (math.atan2(gy, gx) * _RAD2DEG) % 180.0
    for i in range(n_bins):
        if per180 * i <= o < per180 * (i + 1):
            return i
    return -1


@njit(cache=True, nogil=True, inline="always")
def _diff(a, b, round32):
    """``a - b`` as float64, rounded to float32 first when the image is float32 (as skimage).

    The float64 difference of two uint8/uint16/float32 values is exact, so rounding it once to
    float32 equals a float32 subtraction.
    """
    d = np.float64(a) - np.float64(b)
    return np.float64(np.float32(d)) if round32 else d


@njit(cache=True, nogil=True)
def cell_histograms(image, n_bins, cell_rows, cell_cols, n_cells_rows, n_cells_cols):
    """Cell orientation histograms of an ``(H, W, C)`` uint8/uint16/float32/float64 image.

    Integer images are used as their float64 values (exact: differences of integers).

    For ``C > 1`` each pixel uses the channel with the largest gradient magnitude (first
    channel on ties). Returns float64 ``(n_cells_rows, n_cells_cols, n_bins)``.
    """
    h, w, n_ch = image.shape
    per180 = 180.0 / n_bins
    # boundary directions b_k = per180 * k, k = 1 .. n_bins-1
    cos_b = np.empty(n_bins - 1)
    sin_b = np.empty(n_bins - 1)
    for k in range(1, n_bins):
        ang = per180 * k * (math.pi / 180.0)
        cos_b[k - 1] = math.cos(ang)
        sin_b[k - 1] = math.sin(ang)
    acc = np.zeros((n_cells_rows, n_cells_cols, n_bins), dtype=np.float32)
    cell_of_col = np.empty(w, dtype=np.intp)
    for c in range(w):
        cell_of_col[c] = c // cell_cols
    used_rows = n_cells_rows * cell_rows
    used_cols = n_cells_cols * cell_cols
    src = image
    round32 = image.itemsize == 4  # float32 (the wrapper passes only uint8, uint16, float32, float64)
    gx = np.empty(used_cols)
    gy = np.empty(used_cols)
    xs = np.empty(used_cols)
    ys = np.empty(used_cols)
    cnt = np.empty(used_cols)
    near = np.empty(used_cols)
    tols = np.empty(used_cols)
    for r in range(used_rows):
        cr = r // cell_rows
        row_border = r == 0 or r == h - 1
        # 1. gradient of the row (image dtype, then float64), dominant channel
        if n_ch == 1:
            for c in range(used_cols):
                if row_border:
                    gy[c] = 0.0
                else:
                    gy[c] = _diff(src[r + 1, c, 0], src[r - 1, c, 0], round32)
            gx[0] = 0.0
            for c in range(1, used_cols):
                if c == w - 1:
                    gx[c] = 0.0
                else:
                    gx[c] = _diff(src[r, c + 1, 0], src[r, c - 1, 0], round32)
        else:
            for c in range(used_cols):
                col_border = c == 0 or c == w - 1
                best_gy = 0.0
                best_gx = 0.0
                best_m = -1.0
                for ch in range(n_ch):
                    gy_c = 0.0 if row_border else _diff(src[r + 1, c, ch], src[r - 1, c, ch], round32)
                    gx_c = 0.0 if col_border else _diff(src[r, c + 1, ch], src[r, c - 1, ch], round32)
                    if round32:  # skimage compares float32 magnitudes for float32 images
                        m_c = np.float64(np.hypot(np.float32(gy_c), np.float32(gx_c)))
                    else:
                        m_c = np.hypot(gy_c, gx_c)
                    if m_c > best_m:
                        best_m = m_c
                        best_gy = gy_c
                        best_gx = gx_c
                gy[c] = best_gy
                gx[c] = best_gx
        # 2. bin by the signs of cross products with the boundaries (vectorisable passes)
        for c in range(used_cols):
            neg = gy[c] < 0.0
            xs[c] = -gx[c] if neg else gx[c]
            ys[c] = abs(gy[c])
            cnt[c] = 0.0
            tols[c] = _NEAR * (abs(gx[c]) + ys[c])
            near[c] = 1.0 if ys[c] <= tols[c] else 0.0  # on/near the 0 = 180 degree axis
        for k in range(n_bins - 1):
            ck = cos_b[k]
            sk = sin_b[k]
            for c in range(used_cols):
                s = ys[c] * ck - xs[c] * sk  # > 0 iff o > b_k
                cnt[c] += 1.0 if s > 0.0 else 0.0
                near[c] = 1.0 if abs(s) <= tols[c] else near[c]
        # 3. scatter the votes (float32 accumulation in raster order, as the reference)
        for c in range(used_cols):
            y = gy[c]
            x = gx[c]
            if y == 0.0 and x == 0.0:
                continue  # zero magnitude adds nothing anywhere
            if near[c] != 0.0:
                b = _exact_bin(y, x, per180, n_bins)
                if b < 0:
                    continue
            else:
                b = int(cnt[c])
            mag = math.sqrt(x * x + y * y)
            cc = cell_of_col[c]
            acc[cr, cc, b] = np.float32(np.float64(acc[cr, cc, b]) + mag)
    n_pix = np.float32(cell_rows * cell_cols)
    out = np.empty((n_cells_rows, n_cells_cols, n_bins))
    for i in range(n_cells_rows):
        for j in range(n_cells_cols):
            for b in range(n_bins):
                out[i, j, b] = np.float64(acc[i, j, b] / n_pix)
    return out


@njit(cache=True, nogil=True)
def normalize_blocks(hist, block_rows, block_cols, method, eps):
    """Normalise every ``block_rows x block_cols`` block of cell histograms.

    ``method``: 0 = L1, 1 = L1-sqrt, 2 = L2, 3 = L2-Hys (index into ``METHODS``).
    Returns ``(n_blocks_rows, n_blocks_cols, block_rows, block_cols, n_bins)`` float64.
    """
    n_cr, n_cc, n_bins = hist.shape
    n_br = n_cr - block_rows + 1
    n_bc = n_cc - block_cols + 1
    out = np.empty((n_br, n_bc, block_rows, block_cols, n_bins))
    # per-cell sums, so a block's norm is a sum over its cells
    cell_sum = np.zeros((n_cr, n_cc))
    for i in range(n_cr):
        for j in range(n_cc):
            s = 0.0
            for b in range(n_bins):
                v = hist[i, j, b]
                s += abs(v) if method <= 1 else v * v
            cell_sum[i, j] = s
    for br in range(n_br):
        for bc in range(n_bc):
            total = 0.0
            for i in range(block_rows):
                for j in range(block_cols):
                    total += cell_sum[br + i, bc + j]
            if method <= 1:
                den = total + eps
            else:
                den = math.sqrt(total + eps * eps)
            sq = 0.0
            for i in range(block_rows):
                for j in range(block_cols):
                    for b in range(n_bins):
                        v = hist[br + i, bc + j, b] / den
                        if method == 1:
                            v = math.sqrt(v)
                        elif method == 3:
                            v = min(v, 0.2)
                            sq += v * v
                        out[br, bc, i, j, b] = v
            if method == 3:
                den2 = math.sqrt(sq + eps * eps)
                for i in range(block_rows):
                    for j in range(block_cols):
                        for b in range(n_bins):
                            out[br, bc, i, j, b] /= den2
    return out
