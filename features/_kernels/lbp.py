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

The kernels read a copy of the image framed by zeros (:func:`_pad`), so every pixel, border
ring included, takes the same branch-free loops over the columns (LLVM vectorises them; codes:
two neighbours per loop, whole-offset neighbours apart from interpolated ones; VAR: one
neighbour per loop in skimage's order), evaluating skimage's expression in skimage's order
(:func:`_bilinear`; no fastmath, no FMA contraction), hence the same bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .constants import DEFAULT, LUT_MAX_P, NRI_UNIFORM, ROR, UNIFORM, VAR  # noqa: F401 (re-exported)


@njit(cache=True, nogil=True)
def _popcount(x):
    """Number of set bits of a non-negative integer below 2**32 (SWAR)."""
    x = x - ((x >> 1) & 0x55555555)
    x = (x & 0x33333333) + ((x >> 2) & 0x33333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F
    return ((x * 0x01010101) & 0xFFFFFFFF) >> 24


@njit(cache=True, nogil=True)
def _riu2(code, P):
    """Ojala's riu2 code of a raw pattern without branches (``map_pattern(code, P, UNIFORM)``)."""
    changes = _popcount((code ^ (code >> 1)) & ((1 << (P - 1)) - 1))
    return _popcount(code) if changes <= 2 else P + 1


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
    if method == UNIFORM:
        return _riu2(code, P)
    changes = _popcount((code ^ (code >> 1)) & ((1 << (P - 1)) - 1))
    n_ones = _popcount(code)
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
def _pad(img, ro0, ro1, co0, co1):
    """``img`` in a frame of zeros wide enough for every neighbour offset, and that width.

    Reading 0 outside the image is skimage's rule, so every pixel — border ring included —
    takes the same branch-free row loops (no bounds-checked path).
    """
    rows, cols = img.shape
    p = max(max(-ro0.min(), ro1.max()), max(-co0.min(), co1.max()), 0)
    out = np.zeros((rows + 2 * p, cols + 2 * p))
    for r in range(rows):
        dst = out[r + p, p : p + cols]
        src = img[r]
        for c in range(cols):
            dst[c] = src[c]
    return out, p


@njit(cache=True, nogil=True, inline="always")
def _bilinear(tl, tr, bl, br, a, oma, b, omb):
    """skimage's interpolation ``(1-a) ((1-b) tl + b tr) + a ((1-b) bl + b br)``, in its order."""
    return oma * (omb * tl + b * tr) + a * (omb * bl + b * br)


@njit(cache=True, nogil=True, inline="always")
def _shifted(pad, p, r, i, n, row_off, col_off):
    """The first ``n`` pixels of image row ``r`` moved by ``(row_off[i], col_off[i])``, as a
    row slice of ``pad`` (``(ro0, co0)`` = top-left pixel of neighbour ``i``, ``(ro0, co1)``
    top-right, ``(ro1, co0)`` bottom-left, ``(ro1, co1)`` bottom-right; for a whole offset
    all four are the neighbour itself). A slice starting at the first column: loop indices
    ``j >= 0`` let LLVM drop Numba's negative-index wraparound and vectorise."""
    c0 = p + col_off[i]
    return pad[r + p + row_off[i], c0 : c0 + n]


@njit(cache=True, nogil=True, inline="always")
def _corners(pad, p, r, i, n, ro0, ro1, co0, co1):
    """The four pixels around neighbour ``i`` (top-left, top-right, bottom-left, bottom-right)
    of the first ``n`` pixels of image row ``r`` (see :func:`_shifted`)."""
    return (
        _shifted(pad, p, r, i, n, ro0, co0),
        _shifted(pad, p, r, i, n, ro0, co1),
        _shifted(pad, p, r, i, n, ro1, co0),
        _shifted(pad, p, r, i, n, ro1, co1),
    )


@njit(cache=True, nogil=True, inline="always")
def _two_neighbours(indices, q):
    """Neighbours ``indices[q]`` and ``indices[q + 1]`` (the last one twice when the count is
    odd) and their code bits."""
    i1 = indices[q]
    i2 = indices[min(q + 1, indices.shape[0] - 1)]
    return i1, i2, np.int32(1) << np.int32(i1), np.int32(1) << np.int32(i2)


@njit(cache=True, nogil=True)
def _row_codes(pad, p, r, ro0, ro1, co0, co1, dr_row, dc, omdc, plain, interpolated, codes):
    """Raw patterns of image row ``r`` into ``codes`` (``pad``: the image framed by
    :func:`_pad`; ``plain`` / ``interpolated``: the indices of the neighbours with whole /
    fractional offsets).

    Two neighbours per pass over the columns (bits are independent, so any order gives the
    same code; the last pass of an odd count repeats its neighbour), which halves the
    read-modify-write traffic on ``codes``. ``v >= centre`` is skimage's ``v - centre >= 0``
    for finite doubles (a difference of finite doubles is 0 only for equal operands).
    """
    cols = codes.shape[0]
    centre = pad[r + p, p : p + cols]
    zero = np.int32(0)
    for j in range(cols):
        codes[j] = 0
    for q in range(0, plain.shape[0], 2):
        i1, i2, bit1, bit2 = _two_neighbours(plain, q)
        g1 = _shifted(pad, p, r, i1, cols, ro0, co0)
        g2 = _shifted(pad, p, r, i2, cols, ro0, co0)
        for j in range(cols):
            c = centre[j]
            codes[j] |= (bit1 if g1[j] >= c else zero) | (bit2 if g2[j] >= c else zero)
    for q in range(0, interpolated.shape[0], 2):
        i1, i2, bit1, bit2 = _two_neighbours(interpolated, q)
        tl1, tr1, bl1, br1 = _corners(pad, p, r, i1, cols, ro0, ro1, co0, co1)
        tl2, tr2, bl2, br2 = _corners(pad, p, r, i2, cols, ro0, ro1, co0, co1)
        a1 = dr_row[i1]
        a2 = dr_row[i2]
        oma1 = 1.0 - a1
        oma2 = 1.0 - a2
        b1 = dc[i1]
        b2 = dc[i2]
        omb1 = omdc[i1]
        omb2 = omdc[i2]
        for j in range(cols):
            c = centre[j]
            v1 = _bilinear(tl1[j], tr1[j], bl1[j], br1[j], a1, oma1, b1[j], omb1[j])
            v2 = _bilinear(tl2[j], tr2[j], bl2[j], br2[j], a2, oma2, b2[j], omb2[j])
            codes[j] |= (bit1 if v1 >= c else zero) | (bit2 if v2 >= c else zero)


@njit(cache=True, nogil=True)
def _row_sums(pad, p, r, ro0, ro1, co0, co1, dr_row, dc, omdc, interp, s, ss):
    """Sum ``s`` and sum of squares ``ss`` of the P neighbour values of image row ``r`` (for
    VAR; neighbours in order ``i = 0 .. P-1``, as skimage sums them)."""
    cols = s.shape[0]
    for j in range(cols):
        s[j] = 0.0
        ss[j] = 0.0
    for i in range(interp.shape[0]):
        if interp[i]:
            # four calls rather than _corners: its tuple return measured ~18 % slower here
            tl = _shifted(pad, p, r, i, cols, ro0, co0)
            tr = _shifted(pad, p, r, i, cols, ro0, co1)
            bl = _shifted(pad, p, r, i, cols, ro1, co0)
            br = _shifted(pad, p, r, i, cols, ro1, co1)
            a = dr_row[i]
            oma = 1.0 - a
            b_v = dc[i]
            omb_v = omdc[i]
            for j in range(cols):
                v = _bilinear(tl[j], tr[j], bl[j], br[j], a, oma, b_v[j], omb_v[j])
                s[j] += v
                ss[j] += v * v
        else:
            g = _shifted(pad, p, r, i, cols, ro0, co0)
            for j in range(cols):
                s[j] += g[j]
                ss[j] += g[j] * g[j]


@njit(cache=True, nogil=True)
def lbp_image(img, P, method, ro0, ro1, co0, co1, dr, dc, omdc, interp, lut, use_lut):
    """Code image (float64, like skimage); ``method == VAR`` gives the ddof=0 variance or NaN."""
    rows, cols = img.shape
    out = np.empty((rows, cols), dtype=np.float64)
    codes = np.empty(cols, dtype=np.int32)
    s = np.empty(cols, dtype=np.float64)
    ss = np.empty(cols, dtype=np.float64)
    plain = np.flatnonzero(~interp)
    interpolated = np.flatnonzero(interp)
    pad, p = _pad(img, ro0, ro1, co0, co1)
    for r in range(rows):
        if method == VAR:
            _row_sums(pad, p, r, ro0, ro1, co0, co1, dr[r], dc, omdc, interp, s, ss)
            for c in range(cols):
                var = (ss[c] - (s[c] * s[c]) / P) / P
                out[r, c] = var if var != 0 else np.nan
            continue
        _row_codes(pad, p, r, ro0, ro1, co0, co1, dr[r], dc, omdc, plain, interpolated, codes)
        if use_lut:
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
    # more to clear and fold than they save: riu2 codes are then computed per pixel (a few
    # bit operations, cheaper than gathering from a table that does not fit in L1), other
    # methods look each pixel up (or map it when P is beyond the table). All paths give the
    # same counts.
    fold = use_lut and (1 << P) * 4 <= rows * cols
    direct_riu2 = not fold and method == UNIFORM
    raw = np.zeros((1 << P) if fold else 1, dtype=np.int64)
    codes = np.empty(cols, dtype=np.int32)
    plain = np.flatnonzero(~interp)
    interpolated = np.flatnonzero(interp)
    pad, p = _pad(img, ro0, ro1, co0, co1)
    for r in range(rows):
        if use_mask:
            any_in = False
            for c in range(cols):
                if mask[r, c]:
                    any_in = True
                    break
            if not any_in:
                continue
        _row_codes(pad, p, r, ro0, ro1, co0, co1, dr[r], dc, omdc, plain, interpolated, codes)
        if fold:
            for c in range(cols):
                if not use_mask or mask[r, c]:
                    raw[codes[c]] += 1
        elif direct_riu2:
            for c in range(cols):
                codes[c] = _riu2(codes[c], P)
            for c in range(cols):
                if not use_mask or mask[r, c]:
                    counts[codes[c]] += 1
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
