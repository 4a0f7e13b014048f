"""Numba kernels for local binary patterns (private; see :mod:`features.lbp` for the definitions).

The arithmetic replicates ``skimage.feature._texture._local_binary_pattern`` operation for
operation, so that codes are bit-identical:

* neighbour ``i`` sits at ``(r + rp[i], c + cp[i])`` with ``rp``/``cp`` rounded to 5 decimals
  (computed once per ``(P, R)`` in :func:`features.lbp._neighbour_tables`);
* its value is the bilinear interpolation
  ``(1 - dr) * ((1 - dc) * tl + dc * tr) + dr * ((1 - dc) * bl + dc * br)`` with
  ``dr = (r + rp) - floor(r + rp)`` and ``dc = (c + cp) - floor(c + cp)`` evaluated per row /
  per column (tables ``dr[r, i]`` and ``dc[i, c]``: the sums are rounded, so these fractions
  depend on ``r`` and ``c`` in their last bits), and pixels outside the image read as 0;
* bit ``i`` is ``texture[i] - centre >= 0``.

Interior rows/columns take a branch-free loop over columns (one neighbour at a time, so
LLVM vectorises it); the border ring takes the bounds-checked scalar path. Both evaluate the
same expression in the same order (no fastmath, no FMA contraction), hence the same bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

DEFAULT, ROR, UNIFORM, NRI_UNIFORM, VAR = 0, 1, 2, 3, 4
# Largest P for which a 2**P lookup table is built; larger P maps each pixel directly.
LUT_MAX_P = 16


@njit(cache=True, nogil=True)
def _popcount(x):
    """Number of set bits of a non-negative integer below 2**32 (SWAR)."""
    x = x - ((x >> 1) & 0x55555555)
    x = (x & 0x33333333) + ((x >> 2) & 0x33333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F
    return ((x * 0x01010101) & 0xFFFFFFFF) >> 24


@njit(cache=True, nogil=True)
def map_pattern(code, P, method):
    """Map a raw P-bit pattern (bit i = neighbour i) to the code of ``method`` (skimage rules)."""
    if method == DEFAULT:
        return code
    if method == ROR:
        best = code
        v = code
        for _ in range(1, P):
            v = (v >> 1) | ((v & 1) << (P - 1))
            if v < best:
                best = v
        return best
    # uniform / nri_uniform: transitions counted over i = 0..P-2 (not circular; for
    # "<= 2" this is equivalent to the circular count, which is always even).
    changes = _popcount((code ^ (code >> 1)) & ((1 << (P - 1)) - 1))
    n_ones = _popcount(code)
    if method == UNIFORM:
        return n_ones if changes <= 2 else P + 1
    first_one = -1
    first_zero = -1
    for i in range(P):
        if (code >> i) & 1:
            if first_one == -1:
                first_one = i
        elif first_zero == -1:
            first_zero = i
    # NRI_UNIFORM
    if changes > 2:
        return P * (P - 1) + 2
    if n_ones == 0:
        return 0
    if n_ones == P:
        return P * (P - 1) + 1
    if first_one == 0:
        rot_index = n_ones - first_zero
    else:
        rot_index = P - first_one
    return 1 + (n_ones - 1) * P + rot_index


@njit(cache=True, nogil=True)
def pattern_lut(P, method):
    """Table ``lut[raw_pattern] -> code`` for all ``2**P`` raw patterns."""
    lut = np.empty(1 << P, dtype=np.int32)
    for code in range(1 << P):
        lut[code] = map_pattern(code, P, method)
    return lut


@njit(cache=True, nogil=True)
def _pixel_border(img, r, c, P, ro0, ro1, co0, co1, dr_row, dc, interp):
    """Raw pattern, sum and sum of squares of one pixel, reading 0 outside the image."""
    rows, cols = img.shape
    centre = img[r, c]
    code = 0
    s = 0.0
    ss = 0.0
    for i in range(P):
        r0 = r + ro0[i]
        r1 = r + ro1[i]
        c0 = c + co0[i]
        c1 = c + co1[i]
        tl = img[r0, c0] if (r0 >= 0 and r0 < rows and c0 >= 0 and c0 < cols) else 0.0
        if interp[i]:
            tr = img[r0, c1] if (r0 >= 0 and r0 < rows and c1 >= 0 and c1 < cols) else 0.0
            bl = img[r1, c0] if (r1 >= 0 and r1 < rows and c0 >= 0 and c0 < cols) else 0.0
            br = img[r1, c1] if (r1 >= 0 and r1 < rows and c1 >= 0 and c1 < cols) else 0.0
            a = dr_row[i]
            b = dc[i, c]
            top = (1.0 - b) * tl + b * tr
            bottom = (1.0 - b) * bl + b * br
            v = (1.0 - a) * top + a * bottom
        else:
            v = tl
        if v - centre >= 0.0:
            code |= 1 << i
        s += v
        ss += v * v
    return code, s, ss


@njit(cache=True, nogil=True)
def _border_pixels(img, r, c_from, c_to, P, ro0, ro1, co0, co1, dr_row, dc, interp, codes, s, ss):
    for c in range(c_from, c_to):
        code, a, b = _pixel_border(img, r, c, P, ro0, ro1, co0, co1, dr_row, dc, interp)
        codes[c] = code
        s[c] = a
        ss[c] = b


@njit(cache=True, nogil=True)
def _row_codes(img, r, P, ro0, ro1, co0, co1, dr_row, dc, omdc, interp, c_lo, c_hi, row_ok, codes, s, ss):
    """Raw patterns of row ``r`` into ``codes`` (``s``/``ss``: scratch for the border pixels)."""
    cols = img.shape[1]
    if not row_ok or c_hi <= c_lo:
        _border_pixels(img, r, 0, cols, P, ro0, ro1, co0, co1, dr_row, dc, interp, codes, s, ss)
        return
    _border_pixels(img, r, 0, c_lo, P, ro0, ro1, co0, co1, dr_row, dc, interp, codes, s, ss)
    _border_pixels(img, r, c_hi, cols, P, ro0, ro1, co0, co1, dr_row, dc, interp, codes, s, ss)
    # Slices starting at the first interior column: loop indices j >= 0 let LLVM drop
    # Numba's negative-index wraparound and vectorise over columns.
    n = c_hi - c_lo
    centre = img[r, c_lo:c_hi]
    code_v = codes[c_lo:c_hi]
    for j in range(n):
        code_v[j] = 0
    zero = np.int32(0)
    for i in range(P):
        bit = np.int32(1) << np.int32(i)
        r0 = r + ro0[i]
        tl = img[r0, c_lo + co0[i] : c_hi + co0[i]]
        if interp[i]:
            r1 = r + ro1[i]
            tr = img[r0, c_lo + co1[i] : c_hi + co1[i]]
            bl = img[r1, c_lo + co0[i] : c_hi + co0[i]]
            br = img[r1, c_lo + co1[i] : c_hi + co1[i]]
            a = dr_row[i]
            oma = 1.0 - a
            b_v = dc[i, c_lo:c_hi]
            omb_v = omdc[i, c_lo:c_hi]
            for j in range(n):
                b = b_v[j]
                omb = omb_v[j]
                v = oma * (omb * tl[j] + b * tr[j]) + a * (omb * bl[j] + b * br[j])
                # v >= centre is skimage's (v - centre >= 0) for finite doubles (subtraction
                # of finite doubles is 0 only for equal operands: no flush-to-zero here)
                code_v[j] |= bit if v >= centre[j] else zero
        else:
            for j in range(n):
                code_v[j] |= bit if tl[j] >= centre[j] else zero


@njit(cache=True, nogil=True)
def _row_sums(img, r, P, ro0, ro1, co0, co1, dr_row, dc, interp, c_lo, c_hi, row_ok, codes, s, ss):
    """Sum ``s`` and sum of squares ``ss`` of the P neighbour values of row ``r`` (for VAR)."""
    cols = img.shape[1]
    if not row_ok or c_hi <= c_lo:
        _border_pixels(img, r, 0, cols, P, ro0, ro1, co0, co1, dr_row, dc, interp, codes, s, ss)
        return
    _border_pixels(img, r, 0, c_lo, P, ro0, ro1, co0, co1, dr_row, dc, interp, codes, s, ss)
    _border_pixels(img, r, c_hi, cols, P, ro0, ro1, co0, co1, dr_row, dc, interp, codes, s, ss)
    n = c_hi - c_lo
    s_v = s[c_lo:c_hi]
    ss_v = ss[c_lo:c_hi]
    for j in range(n):
        s_v[j] = 0.0
        ss_v[j] = 0.0
    for i in range(P):
        r0 = r + ro0[i]
        tl = img[r0, c_lo + co0[i] : c_hi + co0[i]]
        if interp[i]:
            r1 = r + ro1[i]
            tr = img[r0, c_lo + co1[i] : c_hi + co1[i]]
            bl = img[r1, c_lo + co0[i] : c_hi + co0[i]]
            br = img[r1, c_lo + co1[i] : c_hi + co1[i]]
            a = dr_row[i]
            oma = 1.0 - a
            b_v = dc[i, c_lo:c_hi]
            for j in range(n):
                b = b_v[j]
                omb = 1.0 - b
                v = oma * (omb * tl[j] + b * tr[j]) + a * (omb * bl[j] + b * br[j])
                s_v[j] += v
                ss_v[j] += v * v
        else:
            for j in range(n):
                v = tl[j]
                s_v[j] += v
                ss_v[j] += v * v


@njit(cache=True, nogil=True)
def _interior(img, ro0, ro1, co0, co1):
    rows, cols = img.shape
    r_lo = max(0, -ro0.min())
    r_hi = min(rows, rows - ro1.max())
    c_lo = max(0, -co0.min())
    c_hi = min(cols, cols - co1.max())
    return r_lo, r_hi, c_lo, c_hi


@njit(cache=True, nogil=True)
def lbp_image(img, P, method, ro0, ro1, co0, co1, dr, dc, omdc, interp, lut, use_lut):
    """Code image (float64, like skimage); ``method == VAR`` gives the ddof=0 variance or NaN."""
    rows, cols = img.shape
    out = np.empty((rows, cols), dtype=np.float64)
    codes = np.empty(cols, dtype=np.int32)
    s = np.empty(cols, dtype=np.float64)
    ss = np.empty(cols, dtype=np.float64)
    r_lo, r_hi, c_lo, c_hi = _interior(img, ro0, ro1, co0, co1)
    want_var = method == VAR
    for r in range(rows):
        row_ok = r >= r_lo and r < r_hi
        if want_var:
            _row_sums(img, r, P, ro0, ro1, co0, co1, dr[r], dc, interp, c_lo, c_hi, row_ok, codes, s, ss)
        else:
            _row_codes(img, r, P, ro0, ro1, co0, co1, dr[r], dc, omdc, interp, c_lo, c_hi, row_ok, codes, s, ss)
        if want_var:
            for c in range(cols):
                var = (ss[c] - (s[c] * s[c]) / P) / P
                out[r, c] = var if var != 0 else np.nan
        elif use_lut:
            for c in range(cols):
                out[r, c] = lut[codes[c]]
        else:
            for c in range(cols):
                out[r, c] = map_pattern(codes[c], P, method)
    return out


@njit(cache=True, nogil=True)
def lbp_counts(img, P, method, ro0, ro1, co0, co1, dr, dc, omdc, interp, lut, use_lut, n_bins, mask, use_mask):
    """Histogram counts of the codes (code and count fused; no code image is stored)."""
    rows, cols = img.shape
    counts = np.zeros(n_bins, dtype=np.int64)
    # Small P (2**P well below the pixel count): count raw patterns and fold them through the
    # table at the end (no per-pixel lookup). Larger tables (P = 16: 65536 entries) would cost
    # more to clear and fold than they save, so each pixel is looked up (or mapped when P is
    # beyond the table). All three paths give the same counts.
    fold = use_lut and (1 << P) * 4 <= rows * cols
    raw = np.zeros((1 << P) if fold else 1, dtype=np.int64)
    codes = np.empty(cols, dtype=np.int32)
    s = np.empty(cols, dtype=np.float64)
    ss = np.empty(cols, dtype=np.float64)
    r_lo, r_hi, c_lo, c_hi = _interior(img, ro0, ro1, co0, co1)
    for r in range(rows):
        if use_mask:
            any_in = False
            for c in range(cols):
                if mask[r, c]:
                    any_in = True
                    break
            if not any_in:
                continue
        row_ok = r >= r_lo and r < r_hi
        _row_codes(img, r, P, ro0, ro1, co0, co1, dr[r], dc, omdc, interp, c_lo, c_hi, row_ok, codes, s, ss)
        if fold:
            if use_mask:
                for c in range(cols):
                    if mask[r, c]:
                        raw[codes[c]] += 1
            else:
                for c in range(cols):
                    raw[codes[c]] += 1
        elif use_lut:
            for c in range(cols):
                if not use_mask or mask[r, c]:
                    counts[lut[codes[c]]] += 1
        else:
            for c in range(cols):
                if not use_mask or mask[r, c]:
                    counts[map_pattern(codes[c], P, method)] += 1
    if fold:
        for k in range(raw.shape[0]):
            counts[lut[k]] += raw[k]
    return counts
