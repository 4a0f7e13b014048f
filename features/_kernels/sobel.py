"""Numba kernels of the 3x3 Sobel operator and its summary (private; see :mod:`features.sobel`).

Border handling is OpenCV's ``BORDER_REFLECT_101`` (``gfedcb|abcdefgh|gfedcba``); an axis of
length 1 reflects onto itself, as ``cv2.borderInterpolate``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _neighbours(n):
    """Reflect-101 indices of the previous and next sample along an axis of length ``n``."""
    prev = np.empty(n, dtype=np.intp)
    nxt = np.empty(n, dtype=np.intp)
    for i in range(n):
        prev[i] = i - 1 if i > 0 else (1 if n > 1 else 0)
        nxt[i] = i + 1 if i < n - 1 else (n - 2 if n > 1 else 0)
    return prev, nxt


@njit(cache=True, nogil=True, inline="always")
def _grad(image, r0, r, r1, c0, c, c1):
    """Sobel ``(d/dcol, d/drow)`` at ``(r, c)`` from the neighbour indices, float64."""
    a = np.float64(image[r0, c0])
    b = np.float64(image[r0, c])
    d = np.float64(image[r0, c1])
    e = np.float64(image[r, c0])
    f = np.float64(image[r, c1])
    g = np.float64(image[r1, c0])
    h = np.float64(image[r1, c])
    k = np.float64(image[r1, c1])
    dx = (d - a) + 2.0 * (f - e) + (k - g)
    dy = (g - a) + 2.0 * (h - b) + (k - d)
    return dx, dy


@njit(cache=True, nogil=True)
def sobel_gradients(image):
    """``(dx, dy)`` float64 arrays: derivative along columns and along rows."""
    h, w = image.shape
    rp, rn = _neighbours(h)
    cp, cn = _neighbours(w)
    dx = np.empty((h, w))
    dy = np.empty((h, w))
    for r in range(h):
        for c in range(w):
            dx[r, c], dy[r, c] = _grad(image, rp[r], r, rn[r], cp[c], c, cn[c])
    return dx, dy


@njit(cache=True, nogil=True)
def sobel_summary(image, scale, n_bins, threshold):
    """Magnitudes (flat, divided by ``scale``), count of magnitudes > ``threshold`` and the
    magnitude-weighted orientation histogram (unnormalised) of one image.

    Bin ``k`` holds directions ``theta = atan2(dy, dx) mod 2*pi`` with
    ``2*pi*k/n <= theta < 2*pi*(k+1)/n``, decided by the signs of cross products with the
    boundary directions (no ``atan2``); a direction exactly on a boundary goes to the upper bin.
    """
    h, w = image.shape
    rp, rn = _neighbours(h)
    cp, cn = _neighbours(w)
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
    mag = np.empty(h * w)
    hist = np.zeros(n_bins)
    n_edges = 0
    i = 0
    for r in range(h):
        for c in range(w):
            dx, dy = _grad(image, rp[r], r, rn[r], cp[c], c, cn[c])
            m = math.sqrt(dx * dx + dy * dy) / scale
            mag[i] = m
            i += 1
            n_edges += m > threshold
            if m == 0.0:
                continue
            if dy > 0.0 or (dy == 0.0 and dx > 0.0):  # theta in [0, pi)
                b = 0
                for j in range(n_up):
                    b += dy * up[j, 0] - dx * up[j, 1] >= 0.0
            else:  # theta in [pi, 2*pi): turn the vector by pi
                b = n_upto_pi
                for j in range(n_lo):
                    b += dx * lo[j, 1] - dy * lo[j, 0] >= 0.0
            hist[b] += m
    return mag, n_edges, hist


@njit(cache=True, nogil=True)
def values_at_ranks(values, ranks):
    """``np.sort(values)[ranks]`` in O(n): bucket the values by a monotone map of their range,
    then sort only the buckets that hold a requested rank. ``ranks`` must be sorted."""
    n = values.size
    out = np.empty(ranks.size)
    mn = values.min()
    mx = values.max()
    if mn == mx:
        out[:] = mn
        return out
    n_buckets = max(1, n // 16)
    scale = n_buckets / (mx - mn)
    counts = np.zeros(n_buckets + 1, dtype=np.intp)
    for v in values:
        counts[min(int((v - mn) * scale), n_buckets - 1) + 1] += 1
    for b in range(n_buckets):  # counts[b] becomes the first sorted position of bucket b
        counts[b + 1] += counts[b]
    bucket_of_rank = np.empty(ranks.size, dtype=np.intp)
    needed = np.zeros(n_buckets, dtype=np.bool_)
    b = 0
    for t in range(ranks.size):
        while counts[b + 1] <= ranks[t]:
            b += 1
        bucket_of_rank[t] = b
        needed[b] = True
    fill = counts.copy()
    gathered = np.empty(n)
    for v in values:
        k = min(int((v - mn) * scale), n_buckets - 1)
        if needed[k]:
            gathered[fill[k]] = v
            fill[k] += 1
    for k in range(n_buckets):
        if needed[k]:
            gathered[counts[k] : counts[k + 1]] = np.sort(gathered[counts[k] : counts[k + 1]])
    for t in range(ranks.size):
        out[t] = gathered[ranks[t]]
    return out
