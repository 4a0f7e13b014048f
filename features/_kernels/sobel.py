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
    # boundary k (1 <= k < n): direction at angle 2*pi*k/n, or that angle minus pi when
    # it lies in the lower half plane (compared against the vector turned by pi)
    cos_b = np.empty(n_bins)
    sin_b = np.empty(n_bins)
    lower = np.zeros(n_bins, dtype=np.bool_)
    n_upto_pi = 0  # boundaries with angle <= pi
    for k in range(1, n_bins):
        if 2 * k > n_bins:
            lower[k] = True
            ang = 2.0 * math.pi * k / n_bins - math.pi
        else:
            ang = 2.0 * math.pi * k / n_bins
            n_upto_pi += 1
        cos_b[k] = math.cos(ang)
        sin_b[k] = math.sin(ang)
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
            if m > threshold:
                n_edges += 1
            if m == 0.0:
                continue
            upper = dy > 0.0 or (dy == 0.0 and dx > 0.0)  # theta in [0, pi)
            b = 0
            if upper:
                for k in range(1, n_bins):
                    if 2 * k < n_bins and dy * cos_b[k] - dx * sin_b[k] >= 0.0:
                        b += 1
            else:  # theta in [pi, 2*pi): turn by pi
                b = n_upto_pi
                for k in range(1, n_bins):
                    if lower[k] and -dy * cos_b[k] + dx * sin_b[k] >= 0.0:
                        b += 1
            hist[b] += m
    return mag, n_edges, hist
