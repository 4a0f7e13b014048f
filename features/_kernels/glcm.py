"""Numba kernels for grey-level co-occurrence matrices (private; see ``features/glcm.py``).

Layout: the kernels hold the matrices as ``(n_offsets, L, L)`` (each matrix contiguous);
the public wrapper moves the offset axis to skimage's ``(L, L, n_dist, n_angle)``.

Speed ideas: one pass over the image per offset into a flat histogram; symmetric matrices
by an in-place ``P + P.T`` in 32x32 tiles; every property comes from one pass over each
matrix that fills the marginals (row/column sums), the sum and difference histograms
``p_{x+y}``, ``p_{|x-y|}``, the row dot products ``sum_j j c_ij``, ``sum c^2`` and
``sum c ln c`` — each inner loop with one store target so LLVM vectorises it, and for
symmetric count matrices only the upper triangle is read. Entropy uses integer counts:
``H = ln T - (sum c ln c) / T`` with ``c ln c`` gathered from a table, so the matrix costs
no logarithms.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Counts below this read ``c * ln(c)`` from a table instead of calling log.
CLOGC_TABLE_SIZE = 4096
_k = np.arange(CLOGC_TABLE_SIZE, dtype=np.float64)
CLOGC_TABLE = _k * np.log(np.maximum(_k, 1.0))
del _k

#: Order of the rows returned by :func:`coprops`.
COPROPS = (
    "contrast",
    "dissimilarity",
    "homogeneity",
    "ASM",
    "energy",
    "correlation",
    "mean",
    "variance",
    "std",
    "entropy",
)

_LN2 = math.log(2.0)
#: Re-association only (no approximate reciprocals, no NaN/inf assumptions).
_REASSOC = {"reassoc", "nsz", "contract"}


@njit(cache=True, nogil=True)
def glcm_counts(image, offsets, levels, mask, use_mask, symmetric):
    """Count level pairs ``(image[r, c], image[r + dr, c + dc])`` for each ``(dr, dc)`` in ``offsets``.

    ``image`` holds levels in ``[0, levels)`` (checked by the caller). With ``use_mask``, a
    pair counts only when both pixels are True in ``mask``. Returns uint32 ``(n, L, L)``.
    """
    h, w = image.shape
    n = offsets.shape[0]
    n_lev = levels
    out = np.zeros((n, n_lev * n_lev), dtype=np.uint32)
    for k in range(n):
        dr = offsets[k, 0]
        dc = offsets[k, 1]
        r0 = max(0, -dr)
        r1 = min(h, h - dr)
        c0 = max(0, -dc)
        c1 = min(w, w - dc)
        pk = out[k]
        for r in range(r0, r1):
            a = image[r, c0:c1]
            b = image[r + dr, c0 + dc : c1 + dc]
            if use_mask:
                ma = mask[r, c0:c1]
                mb = mask[r + dr, c0 + dc : c1 + dc]
                for c in range(c1 - c0):
                    if ma[c] and mb[c]:
                        pk[np.intp(a[c]) * n_lev + np.intp(b[c])] += 1
            else:
                for c in range(c1 - c0):
                    pk[np.intp(a[c]) * n_lev + np.intp(b[c])] += 1
        if symmetric:
            _add_transpose(pk, n_lev)
    return out.reshape(n, n_lev, n_lev)


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


@njit(cache=True, nogil=True)
def to_skimage_layout(counts):
    """``(n, L, L)`` -> C-contiguous ``(L, L, n)`` (one streaming pass; NumPy's strided copy is slower)."""
    n, n_lev, _ = counts.shape
    out = np.empty((n_lev, n_lev, n), dtype=counts.dtype)
    for i in range(n_lev):
        for j in range(n_lev):
            for k in range(n):
                out[i, j, k] = counts[k, i, j]
    return out


@njit(cache=True, nogil=True)
def to_skimage_layout_normed(counts):
    """``(n, L, L)`` counts -> ``(L, L, n)`` float64, each matrix divided by its sum (a zero sum by
    1), as skimage's ``normed=True``: the same float64 divisions, one pass, no temporaries."""
    n, n_lev, _ = counts.shape
    inv = np.empty(n)
    for k in range(n):
        t = 0
        for i in range(n_lev):
            for j in range(n_lev):
                t += np.int64(counts[k, i, j])
        inv[k] = float(t) if t > 0 else 1.0
    out = np.empty((n_lev, n_lev, n))
    for i in range(n_lev):
        for j in range(n_lev):
            for k in range(n):
                out[i, j, k] = float(counts[k, i, j]) / inv[k]
    return out


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
        src = pm[i]
        rs = 0.0
        rd = 0.0
        for j in range(n_lev):
            cf = float(src[j])
            rs += cf
            rd += j * cf
        if rs == 0.0:
            continue
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
        s2, clnc = _row_terms(src, table, integral, entropy)
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
        rs = 0.0
        rd = 0.0
        for j in range(n_lev):
            cf = float(src[j])
            rs += cf
            rd += j * cf
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
def _sums(pm, table, symmetric, integral, entropy):
    if symmetric and integral:
        return _matrix_sums_symmetric(pm, table)
    return _matrix_sums(pm, table, integral, entropy)


@njit(cache=True, nogil=True)
def _props_into(out_row, pm, table, symmetric, integral, entropy):
    """The 10 :data:`COPROPS` of one ``(L, L)`` matrix into ``out_row`` (see :func:`coprops`)."""
    n_lev = pm.shape[0]
    rows, cols, rowdot, p_sum, p_diff, sum_c2, sum_clnc = _sums(pm, table, symmetric, integral, entropy)
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
def coprops(mats, table, symmetric, integral, entropy):
    """scikit-image ``graycoprops`` properties of each matrix in ``mats`` ``(n, L, L)``.

    ``integral``: the matrices hold integer counts (table entropy); ``symmetric``: they
    are symmetric (with ``integral``, only the upper triangles are read). ``entropy=False``
    skips the logarithms of float matrices; the entropy column is then NaN.
    Returns ``(n, 10)`` in the order of :data:`COPROPS`. An all-zero matrix is normalised by
    1 (as skimage does): every property is 0 except correlation (1).
    """
    out = np.zeros((mats.shape[0], 10))
    for m in range(mats.shape[0]):
        _props_into(out[m], mats[m], table, symmetric, integral, entropy)
    return out


@njit(cache=True, nogil=True)
def coprops_skimage_layout(P, table, integral, entropy):
    """:func:`coprops` of the matrices ``P[:, :, m]`` of an ``(L, L, n)`` array (skimage's layout),
    each gathered into one reused ``(L, L)`` buffer (no transposed copy of the whole array)."""
    n_lev = P.shape[0]
    n = P.shape[2]
    out = np.zeros((n, 10))
    pm = np.empty((n_lev, n_lev), dtype=P.dtype)
    for m in range(n):
        for i in range(n_lev):
            for j in range(n_lev):
                pm[i, j] = P[i, j, m]
        _props_into(out[m], pm, table, False, integral, entropy)
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
