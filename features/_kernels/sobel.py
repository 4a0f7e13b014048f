"""Numba kernels of the 3x3 Sobel operator and its summary (private; see :mod:`features.sobel`).

Border handling is OpenCV's ``BORDER_REFLECT_101`` (``gfedcb|abcdefgh|gfedcba``); an axis of
length 1 reflects onto itself, as ``cv2.borderInterpolate``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _sobel_row(image, r0, r, r1, smooth, diff, dx, dy):
    """Sobel of image row ``r`` (neighbour rows ``r0``, ``r1``) into ``dx``, ``dy`` (float64).

    Separable: vertical ``[1, 2, 1]`` smoothing and ``[-1, 0, 1]`` difference per column, then
    the horizontal pass with reflect-101 at the row ends.
    """
    w = smooth.size
    for c in range(w):
        a = np.float64(image[r0, c])
        b = np.float64(image[r, c])
        d = np.float64(image[r1, c])
        smooth[c] = a + 2.0 * b + d
        diff[c] = d - a
    if w == 1:
        dx[0] = 0.0
        dy[0] = 4.0 * diff[0]
        return
    dx[0] = 0.0  # reflect-101: neighbours of column 0 are both column 1
    dy[0] = 2.0 * diff[0] + 2.0 * diff[1]
    for c in range(1, w - 1):
        dx[c] = smooth[c + 1] - smooth[c - 1]
        dy[c] = diff[c - 1] + 2.0 * diff[c] + diff[c + 1]
    dx[w - 1] = 0.0
    dy[w - 1] = 2.0 * diff[w - 2] + 2.0 * diff[w - 1]


@njit(cache=True, nogil=True, inline="always")
def _neighbour_rows(r, h):
    """Reflect-101 previous and next row of row ``r`` (an axis of length 1 reflects onto itself)."""
    if h == 1:
        return 0, 0
    r0 = r - 1 if r > 0 else 1
    r1 = r + 1 if r < h - 1 else h - 2
    return r0, r1


@njit(cache=True, nogil=True)
def sobel_gradients(image):
    """``(dx, dy)`` float64 arrays: derivative along columns and along rows."""
    h, w = image.shape
    dx = np.empty((h, w))
    dy = np.empty((h, w))
    smooth = np.empty(w)
    diff = np.empty(w)
    for r in range(h):
        r0, r1 = _neighbour_rows(r, h)
        _sobel_row(image, r0, r, r1, smooth, diff, dx[r], dy[r])
    return dx, dy


@njit(cache=True, nogil=True)
def sobel_summary(image, scale, n_bins, threshold):
    """Magnitudes (flat, divided by ``scale``), count of magnitudes > ``threshold``, the
    magnitude-weighted orientation histogram (unnormalised), and the mean and population
    standard deviation (two passes) of the magnitudes of one image.

    Bin ``k`` holds directions ``theta = atan2(dy, dx) mod 2*pi`` with
    ``2*pi*k/n <= theta < 2*pi*(k+1)/n``, decided by the signs of cross products with the
    boundary directions (no ``atan2``); a direction exactly on a boundary goes to the upper bin.
    """
    h, w = image.shape
    smooth = np.empty(w)
    diff = np.empty(w)
    dx_row = np.empty(w)
    dy_row = np.empty(w)
    # Sector edges 2*pi*k/n, 1 <= k < n. Edges in (0, pi) are tested against vectors of the
    # upper half plane; edges in (pi, 2*pi), turned by pi, against lower vectors turned by pi.
    n_up = (n_bins - 1) // 2  # k with 2k < n
    n_upto_pi = n_bins // 2  # k with 2k <= n
    n_lo = n_bins - 1 - n_upto_pi  # k with 2k > n
    up = np.empty((max(n_up, 1), 2))
    lo = np.empty((max(n_lo, 1), 2))
    for j in range(n_up):
        ang = 2.0 * math.pi * (j + 1) / n_bins
        up[j, 0] = math.cos(ang)
        up[j, 1] = math.sin(ang)
    for j in range(n_lo):
        ang = 2.0 * math.pi * (n_upto_pi + 1 + j) / n_bins - math.pi
        lo[j, 0] = math.cos(ang)
        lo[j, 1] = math.sin(ang)
    n_max = max(n_up, n_lo)
    mag = np.empty(h * w)
    hist = np.zeros(n_bins)
    xs = np.empty(w)
    ys = np.empty(w)
    is_up = np.empty(w, dtype=np.bool_)
    bins = np.empty(w, dtype=np.intp)
    n_edges = 0
    for r in range(h):
        r0, r1 = _neighbour_rows(r, h)
        _sobel_row(image, r0, r, r1, smooth, diff, dx_row, dy_row)
        m_row = mag[r * w : (r + 1) * w]
        # column passes without unpredictable branches (vectorised by LLVM)
        for c in range(w):
            dx = dx_row[c]
            dy = dy_row[c]
            m = math.sqrt(dx * dx + dy * dy) / scale
            m_row[c] = m
            n_edges += m > threshold
            upper = dy > 0.0 or (dy == 0.0 and dx > 0.0)  # theta in [0, pi)
            # lower half: turn the vector by pi
            xs[c] = dx if upper else -dx
            ys[c] = dy if upper else -dy
            is_up[c] = upper
            bins[c] = 0 if upper else n_upto_pi
        for j in range(n_max):
            ux = up[min(j, n_up - 1), 0] if n_up > 0 else 0.0
            uy = up[min(j, n_up - 1), 1] if n_up > 0 else 0.0
            lx = lo[min(j, n_lo - 1), 0] if n_lo > 0 else 0.0
            ly = lo[min(j, n_lo - 1), 1] if n_lo > 0 else 0.0
            in_up = j < n_up
            in_lo = j < n_lo
            for c in range(w):
                upper = is_up[c]
                ex = ux if upper else lx
                ey = uy if upper else ly
                live = in_up if upper else in_lo
                bins[c] += live and ys[c] * ex - xs[c] * ey >= 0.0
        # a zero gradient adds 0 to whichever bin it lands in
        for c in range(w):
            hist[bins[c]] += m_row[c]
    total = 0.0
    for k in range(mag.size):
        total += mag[k]
    mean = total / mag.size
    sq = 0.0
    for k in range(mag.size):
        d = mag[k] - mean
        sq += d * d
    return mag, n_edges, hist, mean, math.sqrt(sq / mag.size)


@njit(cache=True, nogil=True)
def percentiles_of_sorted(ordered, pct):
    """``np.percentile`` (method "linear") of the values whose sorted copy is ``ordered``,
    with NumPy's float steps in NumPy's order (virtual index ``(n - 1) * pct / 100``, then
    ``b - (b - a) (1 - gamma)`` when ``gamma >= 0.5``, else ``a + (b - a) gamma``)."""
    n = ordered.size
    out = np.empty(pct.size)
    for t in range(pct.size):
        virtual = (n - 1) * (pct[t] / 100)
        below = math.floor(virtual)
        gamma = virtual - below
        prev = min(max(int(below), 0), n - 1)
        nxt = min(max(prev + 1, 0), n - 1)
        if virtual >= n - 1:
            prev = n - 1
        if virtual < 0:
            prev = 0
        a = ordered[prev]
        b = ordered[nxt]
        diff = b - a
        out[t] = b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma
    return out
