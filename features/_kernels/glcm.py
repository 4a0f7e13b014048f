"""Numba kernels for grey-level co-occurrence matrices (private; see ``features/glcm.py``).

Layout: the kernels count into ``(n_offsets, L, L)`` (each matrix contiguous while it is
counted); :func:`glcm_skimage` / :func:`glcm_skimage_normed` write skimage's interleaved
``(L, L, n_offsets)`` in one streaming pass, and :func:`coprops_skimage_layout` reads it in
place.

Speed ideas: one pass over the image per offset into a flat histogram (compact ``(L, L)``
matrices while counting; skimage's interleaved layout is written once afterwards);
symmetric matrices by an in-place ``P + P.T`` in 32x32 tiles; every property comes from one pass over each
matrix that fills the marginals (row/column sums), the sum and difference histograms
``p_{x+y}``, ``p_{|x-y|}``, the row dot products ``sum_j j c_ij``, ``sum c^2`` and
``sum c ln c`` — each inner loop with one store target so LLVM vectorises it, and for
symmetric count matrices only the upper triangle is read. When only the properties are wanted
(:func:`count_props`), each offset is counted into one reused matrix, and a symmetric one is
counted directly as its upper triangle (each pair once, at ``(min, max)``), so it needs no
transpose pass. Entropy uses integer counts:
``H = ln T - (sum c ln c) / T`` with ``c ln c`` gathered from a table, so the matrix costs
no logarithms.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .constants import CLOGC_TABLE, CLOGC_TABLE_SIZE, COPROPS  # noqa: F401 (re-exported)

_LN2 = math.log(2.0)
#: Re-association only (no approximate reciprocals, no NaN/inf assumptions).
_REASSOC = {"reassoc", "nsz", "contract"}


@njit(cache=True, nogil=True)
def _count_offset(pk, image, dr, dc, n_lev, mask, use_mask, unordered):
    """Add the level-pair counts of offset ``(dr, dc)`` into the flat ``(L, L)`` matrix ``pk``;
    return the number of pairs counted. ``unordered``: each pair ``(a, b)`` counts at
    ``(min(a, b), max(a, b))`` (the upper triangle of the symmetric matrix, diagonal halved)."""
    h, w = image.shape
    r0 = max(0, -dr)
    r1 = min(h, h - dr)
    c0 = max(0, -dc)
    c1 = min(w, w - dc)
    n_pairs = 0
    for r in range(r0, r1):
        a = image[r, c0:c1]
        b = image[r + dr, c0 + dc : c1 + dc]
        if use_mask:
            ma = mask[r, c0:c1]
            mb = mask[r + dr, c0 + dc : c1 + dc]
            for c in range(c1 - c0):
                if ma[c] and mb[c]:
                    x = np.intp(a[c])
                    y = np.intp(b[c])
                    if unordered and y < x:
                        x, y = y, x
                    pk[x * n_lev + y] += 1
                    n_pairs += 1
        elif unordered:
            for c in range(c1 - c0):
                x = np.intp(a[c])
                y = np.intp(b[c])
                pk[min(x, y) * n_lev + max(x, y)] += 1
            n_pairs += c1 - c0
        else:
            for c in range(c1 - c0):
                pk[np.intp(a[c]) * n_lev + np.intp(b[c])] += 1
            n_pairs += c1 - c0
    return n_pairs


@njit(cache=True, nogil=True)
def _count_into(flat, image, offsets, n_lev, mask, use_mask, symmetric):
    """Add the level-pair counts of each offset into ``flat`` (the ``(n, L, L)`` layout,
    flattened); return the number of pairs counted per offset. With ``symmetric`` each matrix
    gets its transpose added (pairs counted twice)."""
    n = offsets.shape[0]
    pairs = np.zeros(n, dtype=np.int64)
    for k in range(n):
        pk = flat[k * n_lev * n_lev : (k + 1) * n_lev * n_lev]
        n_pairs = _count_offset(pk, image, offsets[k, 0], offsets[k, 1], n_lev, mask, use_mask, False)
        if symmetric:
            _add_transpose(pk, n_lev)
            n_pairs *= 2
        pairs[k] = n_pairs
    return pairs


@njit(cache=True, nogil=True)
def glcm_counts(image, offsets, levels, mask, use_mask, symmetric):
    """Count level pairs ``(image[r, c], image[r + dr, c + dc])`` for each ``(dr, dc)`` in ``offsets``.

    ``image`` holds levels in ``[0, levels)`` (checked by the caller). With ``use_mask``, a
    pair counts only when both pixels are True in ``mask``. Returns uint32 ``(n, L, L)``.
    """
    n = offsets.shape[0]
    out = np.zeros(n * levels * levels, dtype=np.uint32)
    _count_into(out, image, offsets, levels, mask, use_mask, symmetric)
    return out.reshape(n, levels, levels)


#: Counts below this are divided once per matrix (a table of quotients) instead of per entry.
_QUOTIENTS = 512


@njit(cache=True, nogil=True)
def _compact_counts(image, offsets, levels, mask, use_mask, symmetric):
    """``(n, L, L)`` uint32 counts (each matrix compact while it is counted) and the number of
    pairs per offset (twice the pixel pairs when ``symmetric``)."""
    n = offsets.shape[0]
    counts = np.zeros(n * levels * levels, dtype=np.uint32)
    pairs = _count_into(counts, image, offsets, levels, mask, use_mask, symmetric)
    return counts.reshape(n, levels, levels), pairs


@njit(cache=True, nogil=True)
def glcm_skimage(image, offsets, levels, mask, use_mask, symmetric):
    """:func:`glcm_counts` in skimage's C-contiguous ``(L, L, n)`` layout (uint32), written in
    one streaming pass (NumPy's strided copy is slower)."""
    counts, pairs = _compact_counts(image, offsets, levels, mask, use_mask, symmetric)
    n = offsets.shape[0]
    out = np.empty((levels, levels, n), dtype=np.uint32)
    for i in range(levels):
        for j in range(levels):
            for k in range(n):
                out[i, j, k] = counts[k, i, j]
    return out


@njit(cache=True, nogil=True)
def glcm_skimage_normed(image, offsets, levels, mask, use_mask, symmetric):
    """:func:`glcm_skimage` as float64, each matrix divided by its sum (a zero sum by 1) as
    skimage's ``normed=True``: the same float64 divisions of the same exact sums, hence the
    same bits.

    The sums are the numbers of pairs counted (no pass over the matrices). Most entries are
    small counts, so ``c / total`` is read from a per-matrix table of the quotients
    ``0 / total .. 511 / total`` (the same divisions, done once); larger counts are divided
    in place.
    """
    counts, pairs = _compact_counts(image, offsets, levels, mask, use_mask, symmetric)
    n = offsets.shape[0]
    total = np.empty(n)
    quot = np.empty((n, _QUOTIENTS))
    for k in range(n):
        total[k] = float(pairs[k]) if pairs[k] > 0 else 1.0
        for c in range(_QUOTIENTS):
            quot[k, c] = float(c) / total[k]
    out = np.empty((levels, levels, n))
    for i in range(levels):
        for j in range(levels):
            for k in range(n):
                c = counts[k, i, j]
                out[i, j, k] = quot[k, c] if c < _QUOTIENTS else float(c) / total[k]
    return out


@njit(cache=True, nogil=True)
def _add_transpose(pk, n_lev):
    """In place ``P <- P + P.T`` for a flat (L*L) matrix, in 32x32 tiles (cache friendly)."""
    tile = 32
    for bi in range(0, n_lev, tile):
        ie = min(bi + tile, n_lev)
        for bj in range(bi, n_lev, tile):
            je = min(bj + tile, n_lev)
            for i in range(bi, ie):
                if bj == bi:
                    pk[i * n_lev + i] *= 2
                    jstart = i + 1
                else:
                    jstart = bj
                for j in range(jstart, je):
                    s = pk[i * n_lev + j] + pk[j * n_lev + i]
                    pk[i * n_lev + j] = s
                    pk[j * n_lev + i] = s


@njit(cache=True, nogil=True, fastmath=_REASSOC)
def _row_terms(seg, table, integral, entropy):
    """``(sum c^2, sum c ln c)`` over a 1-D run of weights (``0 ln 0 = 0``).

    ``integral``: the weights are integer counts; ``c ln c`` is read from ``table``
    (branch-free gather), counts beyond the table are corrected with a real log.
    ``entropy=False`` (float weights only): skip the logarithms, ``sum c ln c`` is returned as 0.
    """
    n_tab = table.shape[0]
    s2 = 0.0
    clnc = 0.0
    if integral:
        last = n_tab - 1
        big = False
        for j in range(seg.shape[0]):
            c = np.int64(seg[j])
            s2 += float(c) * float(c)
            clnc += table[min(c, last)]
            big |= c > last
        if big:
            for j in range(seg.shape[0]):
                c = np.int64(seg[j])
                if c > last:
                    clnc += c * math.log(c) - table[last]
    else:  # the same sum-of-squares loop with or without entropy: identical bits either way
        for j in range(seg.shape[0]):
            cf = float(seg[j])
            s2 += cf * cf
        if entropy:
            for j in range(seg.shape[0]):
                cf = float(seg[j])
                if cf > 0.0:
                    clnc += cf * math.log(cf)
    return s2, clnc


@njit(cache=True, nogil=True, fastmath=_REASSOC)
def _row_sum_dot(src):
    """``(sum_j w_j, sum_j j w_j)`` of one matrix row (vectorised reductions)."""
    rs = 0.0
    rd = 0.0
    for j in range(src.shape[0]):
        cf = float(src[j])
        rs += cf
        rd += j * cf
    return rs, rd


@njit(cache=True, nogil=True, fastmath=_REASSOC)
def _add_row(i, src, table, integral, entropy, rows, cols, rowdot, p_sum, p_diff):
    """Add row ``i`` (weights ``src``) of a matrix to the sums of :func:`_matrix_sums`;
    return its ``(sum w^2, sum w ln w)``. An all-zero row adds nothing."""
    n_lev = src.shape[0]
    rs, rd = _row_sum_dot(src)
    if rs == 0.0:
        return 0.0, 0.0
    rows[i] = rs
    rowdot[i] = rd
    for j in range(n_lev):
        cols[j] += float(src[j])
    ps = p_sum[i : i + n_lev]
    for j in range(n_lev):
        ps[j] += float(src[j])
    for j in range(i):
        p_diff[i - j] += float(src[j])
    up = src[i:]
    for j in range(n_lev - i):
        p_diff[j] += float(up[j])
    return _row_terms(src, table, integral, entropy)


@njit(cache=True, nogil=True, fastmath=_REASSOC)
def _matrix_sums(pm, table, integral, entropy):
    """One pass over one (L, L) matrix of non-negative weights (counts or probabilities).

    Returns ``rows, cols, rowdot, p_sum, p_diff, sum_c2, sum_clnc`` (all unnormalised):
    row/column sums, ``rowdot[i] = sum_j j w_ij``, the histograms of ``i + j`` and ``|i - j|``,
    ``sum w^2`` and ``sum w ln w``. Each inner loop has a single store target so that LLVM
    vectorises it; re-association only reorders sums (exact for integer counts, which
    float64 holds exactly; last-bit changes for probabilities).
    """
    n_lev = pm.shape[0]
    rows = np.zeros(n_lev)
    cols = np.zeros(n_lev)
    rowdot = np.zeros(n_lev)
    p_sum = np.zeros(2 * n_lev)
    p_diff = np.zeros(n_lev)
    sum_c2 = 0.0
    sum_clnc = 0.0
    for i in range(n_lev):
        s2, clnc = _add_row(i, pm[i], table, integral, entropy, rows, cols, rowdot, p_sum, p_diff)
        sum_c2 += s2
        sum_clnc += clnc
    return rows, cols, rowdot, p_sum, p_diff, sum_c2, sum_clnc


@njit(cache=True, nogil=True, fastmath=_REASSOC)
def _matrix_sums_symmetric(pm, table):
    """:func:`_matrix_sums` for a SYMMETRIC matrix of integer COUNTS.

    Row sums come from full rows (cheap vectorised reductions); the histograms, ``sum c^2``
    and ``sum c ln c`` read only the upper triangle and double the off-diagonal part.
    """
    n_lev = pm.shape[0]
    rows = np.zeros(n_lev)
    rowdot = np.zeros(n_lev)
    p_sum = np.zeros(2 * n_lev)
    p_diff = np.zeros(n_lev)
    sum_c2 = 0.0
    sum_clnc = 0.0
    for i in range(n_lev):
        src = pm[i]
        rs, rd = _row_sum_dot(src)
        if rs == 0.0:
            continue
        rows[i] = rs
        rowdot[i] = rd
        up = src[i:]
        n_up = n_lev - i
        ps = p_sum[2 * i : 2 * i + n_up]
        for j in range(n_up):
            ps[j] += 2.0 * float(up[j])
        for j in range(n_up):
            p_diff[j] += 2.0 * float(up[j])
        diag = float(up[0])
        p_sum[2 * i] -= diag
        p_diff[0] -= diag
        s2, clnc = _row_terms(up, table, True, True)
        d2, dclnc = _row_terms(up[:1], table, True, True)
        sum_c2 += 2.0 * s2 - d2
        sum_clnc += 2.0 * clnc - dclnc
    return rows, rows.copy(), rowdot, p_sum, p_diff, sum_c2, sum_clnc


@njit(cache=True, nogil=True)
def _props_from_sums(out_row, rows, cols, rowdot, p_diff, sum_c2, sum_clnc, integral, entropy):
    """The 10 :data:`COPROPS` (scikit-image ``graycoprops``) from the unnormalised sums of
    :func:`_matrix_sums` of one matrix, into ``out_row``.

    ``integral``: the weights are integer counts (table entropy). ``entropy=False`` (float
    weights only) leaves the entropy NaN. An all-zero matrix is normalised by 1 (as skimage
    does): every property is 0 except correlation (1).
    """
    n_lev = rows.shape[0]
    total = rows.sum()
    norm = total if total > 0 else 1.0
    contrast = 0.0
    dissim = 0.0
    homog = 0.0
    for k in range(n_lev):
        contrast += k * k * p_diff[k]
        dissim += k * p_diff[k]
        homog += p_diff[k] / (1.0 + k * k)
    mu_i = 0.0
    mu_j = 0.0
    for k in range(n_lev):
        mu_i += k * rows[k]
        mu_j += k * cols[k]
    mu_i /= norm
    mu_j /= norm
    var_i = 0.0
    var_j = 0.0
    cov = 0.0
    for k in range(n_lev):
        var_i += rows[k] * (k - mu_i) ** 2
        var_j += cols[k] * (k - mu_j) ** 2
        cov += (k - mu_i) * (rowdot[k] - mu_j * rows[k])
    var_i /= norm
    var_j /= norm
    cov /= norm
    std_i = math.sqrt(var_i)
    std_j = math.sqrt(var_j)
    asm = sum_c2 / (norm * norm)
    ent = 0.0
    if total > 0:
        ent = max(0.0, math.log(total) - sum_clnc / total)
    out_row[0] = contrast / norm
    out_row[1] = dissim / norm
    out_row[2] = homog / norm
    out_row[3] = asm
    out_row[4] = math.sqrt(asm)
    out_row[5] = 1.0 if (std_i < 1e-15 or std_j < 1e-15) else cov / (std_i * std_j)
    out_row[6] = mu_i
    out_row[7] = var_i
    out_row[8] = std_i
    out_row[9] = ent if (entropy or integral) else np.nan


@njit(cache=True, nogil=True)
def _clnc(c, table):
    """``c ln c`` of one integer count: from ``table`` below its size, else a real log (as
    :func:`_row_terms` does per entry)."""
    return table[c] if c < table.shape[0] else c * math.log(c)


@njit(cache=True, nogil=True, fastmath=_REASSOC)
def _upper_sums(U, table):
    """The sums of :func:`_matrix_sums` (``p_sum`` left empty) of the symmetric count matrix
    ``S = U + U.T`` from its upper triangle ``U`` (:func:`_count_offset` with ``unordered``:
    ``S_ij = U_ij`` off the diagonal, ``S_ii = 2 U_ii``), in one pass over the triangle.

    Row ``i`` of the triangle, ``u_k = U[i, i + k]``, adds ``u`` to row ``i`` and, by symmetry, to
    the rows ``i + k`` below (as the column part), ``2 u_k`` to ``p_{|x-y|}[k]`` and
    ``2 sum u^2`` (diagonal corrected) to ``sum S^2``; ``S ln S`` of the off-diagonal entries is
    ``2 u ln u`` and of the diagonal ``2 u_0 ln(2 u_0)``, all read from ``table``.
    """
    n_lev = U.shape[0]
    rows = np.zeros(n_lev)
    rowdot = np.zeros(n_lev)
    p_diff = np.zeros(n_lev)
    sum_c2 = 0.0
    sum_clnc = 0.0
    for i in range(n_lev):
        up = U[i, i:]
        rs, rd = _row_sum_dot(up)
        if rs == 0.0:
            continue
        u0 = float(up[0])
        rows[i] += rs + u0
        rowdot[i] += i * (rs + u0) + rd
        below = rows[i + 1 :]
        below_dot = rowdot[i + 1 :]
        for k in range(n_lev - i - 1):
            v = float(up[k + 1])
            below[k] += v
            below_dot[k] += i * v
        for k in range(n_lev - i):
            p_diff[k] += 2.0 * float(up[k])
        s2, clnc = _row_terms(up, table, True, True)
        d = np.int64(up[0])
        sum_c2 += 2.0 * s2 + 2.0 * u0 * u0
        sum_clnc += 2.0 * (clnc - _clnc(d, table)) + _clnc(2 * d, table)
    return rows, rowdot, p_diff, sum_c2, sum_clnc


@njit(cache=True, nogil=True)
def count_props(image, offsets, levels, mask, use_mask, symmetric, table, entropy):
    """The 10 :data:`COPROPS` of each :func:`glcm_counts` matrix, one offset at a time in one
    reused ``(L, L)`` count matrix: the ``(n, L, L)`` stack is never built.
    ``symmetric`` matrices are counted as their upper triangle (each pixel pair once, at
    ``(min, max)``) and read from it by :func:`_upper_sums`: no transpose pass, half the reads.

    Returns ``(props (n, 10), pairs (n,))``; ``pairs[k]`` is the number of pixel pairs counted
    for offset ``k`` (not doubled by ``symmetric``).
    """
    n = offsets.shape[0]
    out = np.zeros((n, 10))
    pairs = np.zeros(n, dtype=np.int64)
    flat = np.zeros(levels * levels, dtype=np.uint32)
    pm = flat.reshape(levels, levels)
    for k in range(n):
        if k > 0:
            flat[:] = 0
        pairs[k] = _count_offset(flat, image, offsets[k, 0], offsets[k, 1], levels, mask, use_mask, symmetric)
        if symmetric:
            rows, rowdot, p_diff, sum_c2, sum_clnc = _upper_sums(pm, table)
            cols = rows
        else:
            rows, cols, rowdot, _, p_diff, sum_c2, sum_clnc = _matrix_sums(pm, table, True, entropy)
        _props_from_sums(out[k], rows, cols, rowdot, p_diff, sum_c2, sum_clnc, True, entropy)
    return out, pairs


@njit(cache=True, nogil=True, fastmath=_REASSOC)
def _sums_by_four(P4, rows, cols, rowdot, p_diff, c2, lowest):
    """Add the sums of :func:`_matrix_sums` (no ``p_sum``, no ``w ln w``) of the 4 matrices
    ``P4[:, :, 0..3]`` into ``(L, 4)`` arrays and ``c2`` (4,), and lower ``lowest`` (4,) to
    their smallest entries (a NaN leaves it unchanged; it shows in the sums instead): one pass
    in memory order, the four matrices side by side in registers (4-wide vector operations)."""
    n_lev = P4.shape[0]
    m0 = lowest[0]
    m1 = lowest[1]
    m2 = lowest[2]
    m3 = lowest[3]
    for i in range(n_lev):
        src = P4[i]
        r0 = r1 = r2 = r3 = 0.0
        d0 = d1 = d2 = d3 = 0.0
        s0 = s1 = s2 = s3 = 0.0
        for j in range(n_lev):
            a0 = float(src[j, 0])
            a1 = float(src[j, 1])
            a2 = float(src[j, 2])
            a3 = float(src[j, 3])
            r0 += a0
            r1 += a1
            r2 += a2
            r3 += a3
            d0 += j * a0
            d1 += j * a1
            d2 += j * a2
            d3 += j * a3
            s0 += a0 * a0
            s1 += a1 * a1
            s2 += a2 * a2
            s3 += a3 * a3
            m0 = a0 if a0 < m0 else m0
            m1 = a1 if a1 < m1 else m1
            m2 = a2 if a2 < m2 else m2
            m3 = a3 if a3 < m3 else m3
            cols[j, 0] += a0
            cols[j, 1] += a1
            cols[j, 2] += a2
            cols[j, 3] += a3
            d = i - j if i >= j else j - i
            p_diff[d, 0] += a0
            p_diff[d, 1] += a1
            p_diff[d, 2] += a2
            p_diff[d, 3] += a3
        rows[i, 0] = r0
        rows[i, 1] = r1
        rows[i, 2] = r2
        rows[i, 3] = r3
        rowdot[i, 0] = d0
        rowdot[i, 1] = d1
        rowdot[i, 2] = d2
        rowdot[i, 3] = d3
        c2[0] += s0
        c2[1] += s1
        c2[2] += s2
        c2[3] += s3
    lowest[0] = m0
    lowest[1] = m1
    lowest[2] = m2
    lowest[3] = m3


@njit(cache=True, nogil=True)
def coprops_skimage_layout(P, table, integral, entropy):
    """The 10 :data:`COPROPS` of the matrices ``P[:, :, m]`` of an ``(L, L, n)`` array (skimage's layout).

    The matrices are summed four at a time in one pass over ``P`` in memory order
    (:func:`_sums_by_four`; when ``n`` is not a multiple of 4, the last group is copied into
    a zero-padded buffer), so ``P`` is never transposed. ``sum w ln w`` (entropy) takes a
    second pass, only when it is asked for. Invalid weights give NaN properties (negative
    entries: all NaN; NaN or inf entries propagate through the sums), for the caller to
    diagnose without a separate pass over ``P``.
    """
    n_lev = P.shape[0]
    n = P.shape[2]
    n_groups = (n + 3) // 4
    rows = np.zeros((n_lev, 4 * n_groups))
    cols = np.zeros((n_lev, 4 * n_groups))
    rowdot = np.zeros((n_lev, 4 * n_groups))
    p_diff = np.zeros((n_lev, 4 * n_groups))
    c2 = np.zeros(4 * n_groups)
    lowest = np.zeros(4 * n_groups)
    for g in range(n_groups):
        m0 = 4 * g
        if m0 + 4 <= n:
            group = P[:, :, m0 : m0 + 4]
        else:
            group = np.zeros((n_lev, n_lev, 4), dtype=P.dtype)
            group[:, :, : n - m0] = P[:, :, m0:]
        _sums_by_four(group, rows[:, m0 : m0 + 4], cols[:, m0 : m0 + 4], rowdot[:, m0 : m0 + 4],
                      p_diff[:, m0 : m0 + 4], c2[m0 : m0 + 4], lowest[m0 : m0 + 4])
    out = np.zeros((n, 10))
    if lowest.min() < 0.0:
        out[:] = np.nan  # negative weights: the caller raises
        return out
    for m in range(n):
        clnc = 0.0
        if entropy or integral:
            for i in range(n_lev):
                clnc += _row_terms(P[i, :, m], table, integral, entropy)[1]
        _props_from_sums(out[m], rows[:, m].copy(), cols[:, m].copy(), rowdot[:, m].copy(),
                         p_diff[:, m].copy(), c2[m], clnc, integral, entropy)
    return out


@njit(cache=True, nogil=True)
def _entropy2(p):
    """``-sum p log2 p`` over the positive entries of a probability vector (mahotas' rule)."""
    h = 0.0
    for v in p:
        if v > 0:
            h -= v * math.log2(v)
    return h


@njit(cache=True, nogil=True)
def haralick13(mats, table, x_minus_y_variance):
    """The 13 Haralick features of each SYMMETRIC matrix in ``mats`` ``(n, L, L)``, as mahotas.

    Follows ``mahotas.features.texture.haralick_features`` term by term (log2 entropies,
    ``px`` = column sums, feature 10 = ``var(p_{|x-y|})`` over its ``L`` entries unless
    ``x_minus_y_variance``). For symmetric matrices ``HXY1 = HXY2 = HX + HY`` exactly, which is
    how they are computed here. Each matrix must have a positive sum (checked by the caller).
    """
    n = mats.shape[0]
    n_lev = mats.shape[1]
    out = np.zeros((n, 13))
    for m in range(n):
        rows, cols, rowdot, p_sum, p_diff, sum_c2, sum_clnc = _matrix_sums_symmetric(mats[m], table)
        total = rows.sum()
        px = cols / total
        py = rows / total
        p_sum /= total
        p_diff /= total
        ux = 0.0
        uy = 0.0
        ex2 = 0.0
        ey2 = 0.0
        sij = 0.0
        for k in range(n_lev):
            ux += k * px[k]
            uy += k * py[k]
            ex2 += k * k * px[k]
            ey2 += k * k * py[k]
            sij += k * rowdot[k]
        sij /= total
        vx = ex2 - ux * ux
        vy = ey2 - uy * uy
        sx = math.sqrt(vx) if vx > 0 else 0.0
        sy = math.sqrt(vy) if vy > 0 else 0.0
        contrast = 0.0
        idm = 0.0
        for k in range(n_lev):
            contrast += k * k * p_diff[k]
            idm += p_diff[k] / (1.0 + k * k)
        sum_avg = 0.0
        sum_sq = 0.0
        for k in range(2 * n_lev):
            sum_avg += k * p_sum[k]
            sum_sq += k * k * p_sum[k]
        hxy = max(0.0, (math.log(total) - sum_clnc / total) / _LN2)
        if x_minus_y_variance:
            d1 = 0.0
            d2 = 0.0
            for k in range(n_lev):
                d1 += k * p_diff[k]
                d2 += k * k * p_diff[k]
            diff_var = d2 - d1 * d1
        else:
            mean_d = p_diff.sum() / n_lev
            diff_var = 0.0
            for k in range(n_lev):
                diff_var += (p_diff[k] - mean_d) ** 2
            diff_var /= n_lev
        hx = _entropy2(px)
        hy = _entropy2(py)
        hxy1 = hx + hy
        hxy2 = hx * py.sum() + hy * px.sum()
        hmax = max(hx, hy)
        out[m, 0] = sum_c2 / (total * total)
        out[m, 1] = contrast
        out[m, 2] = 1.0 if (sx == 0.0 or sy == 0.0) else (sij - ux * uy) / (sx * sy)
        out[m, 3] = vx
        out[m, 4] = idm
        out[m, 5] = sum_avg
        out[m, 6] = sum_sq - sum_avg * sum_avg
        out[m, 7] = _entropy2(p_sum)
        out[m, 8] = hxy
        out[m, 9] = diff_var
        out[m, 10] = _entropy2(p_diff)
        out[m, 11] = (hxy - hxy1) / hmax if hmax > 0 else hxy - hxy1
        out[m, 12] = math.sqrt(max(0.0, 1.0 - math.exp(-2.0 * (hxy2 - hxy))))
    return out
