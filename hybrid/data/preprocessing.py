"""Array-level preprocessing: channel choice, resizing, intensity normalisation, ROI crop.

Every function takes and returns NumPy arrays, ``(H, W)`` or ``(H, W, C)`` (channels last).
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["select_channels", "resize", "normalize_intensity", "roi_crop", "NORMALIZATIONS"]

NORMALIZATIONS = ("minmax", "zscore", "percentile")
_INTERPOLATIONS = {"nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR, "area": cv2.INTER_AREA,
                   "cubic": cv2.INTER_CUBIC}


def select_channels(image: np.ndarray, channels=None) -> np.ndarray:
    """Pick channels of an ``(H, W)`` or ``(H, W, C)`` image.

    ``None`` returns the image unchanged; an int returns that channel as ``(H, W)`` (for a grey
    image only ``0``/``-1`` are valid and return the image); a list/tuple returns
    ``(H, W, len(channels))`` in the order given (a grey image is treated as one channel).

    Examples
    --------
    >>> im = np.arange(24).reshape(2, 4, 3)
    >>> select_channels(im, 1).shape, select_channels(im, [2, 0]).shape
    ((2, 4), (2, 4, 2))
    """
    arr = np.asarray(image)
    if channels is None:
        return arr
    stack = arr[..., None] if arr.ndim == 2 else arr
    n = stack.shape[-1]
    idx = [channels] if isinstance(channels, (int, np.integer)) else list(channels)
    if not idx:
        raise ValueError("channels must not be an empty list")
    for c in idx:
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not -n <= c < n:
            raise ValueError(f"channels={channels!r} is out of range for an image with {n} channel(s)")
    out = stack[..., idx]
    return out[..., 0] if isinstance(channels, (int, np.integer)) else out


def _size_hw(size) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size, size)
    try:
        h, w = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be an int or (height, width), got {size!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"size must be positive, got {size!r}")
    return h, w


def resize(image: np.ndarray, size, interpolation: str = "auto") -> np.ndarray:
    """Resize to ``size`` (int -> square, or ``(height, width)``) with OpenCV, keeping the dtype.

    ``interpolation="auto"`` uses area averaging when shrinking and bilinear when enlarging
    (OpenCV's recommended pair); ``bool`` images (masks) always use nearest neighbour. Aspect ratio
    is *not* kept. dtypes OpenCV cannot resize (int32, int64, ...) go through float64 and are
    rounded back.

    Examples
    --------
    >>> resize(np.zeros((10, 20), np.uint16), 5).shape
    (5, 5)
    >>> resize(np.eye(4, dtype=bool), (8, 8)).dtype
    dtype('bool')
    """
    arr = np.asarray(image)
    h, w = _size_hw(size)
    if arr.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {arr.shape}")
    if arr.dtype == bool:
        return resize(arr.astype(np.uint8), (h, w), "nearest").astype(bool)
    if interpolation == "auto":
        interpolation = "area" if h * w < arr.shape[0] * arr.shape[1] else "linear"
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"interpolation must be 'auto' or one of {list(_INTERPOLATIONS)}, got {interpolation!r}")
    work = arr if arr.dtype in (np.uint8, np.uint16, np.int16, np.float32, np.float64) else arr.astype(np.float64)
    out = cv2.resize(np.ascontiguousarray(work), (w, h), interpolation=_INTERPOLATIONS[interpolation])
    if arr.ndim == 3 and out.ndim == 2:  # OpenCV drops a single trailing channel
        out = out[..., None]
    if out.dtype != arr.dtype:
        info = np.iinfo(arr.dtype) if arr.dtype.kind in "iu" else None
        out = np.clip(np.rint(out), info.min, info.max).astype(arr.dtype) if info else out.astype(arr.dtype)
    return out


def normalize_intensity(image: np.ndarray, method: str = "minmax", percentiles=(1.0, 99.0)) -> np.ndarray:
    """Normalise intensities per channel; returns float64.

    * ``"minmax"``: ``(x - min) / (max - min)`` in ``[0, 1]``;
    * ``"zscore"``: ``(x - mean) / std`` with the population std (``ddof=0``);
    * ``"percentile"``: clip to the ``percentiles`` (NumPy's default linear interpolation), then
      min-max scale the clipped values to ``[0, 1]`` (robust to calipers and hot pixels).

    A constant image (or channel) has no scale: the result is all zeros for every method.
    ``(H, W, C)`` images are normalised channel by channel.

    Examples
    --------
    >>> normalize_intensity(np.array([[0, 5], [10, 10]], np.uint8)).tolist()
    [[0.0, 0.5], [1.0, 1.0]]
    >>> normalize_intensity(np.array([[1.0, 3.0]]), "zscore").tolist()
    [[-1.0, 1.0]]
    """
    if method not in NORMALIZATIONS:
        raise ValueError(f"method must be one of {list(NORMALIZATIONS)}, got {method!r}")
    x = np.asarray(image, dtype=np.float64)
    if x.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("image contains NaN or infinite values")
    if x.ndim == 3:
        return np.stack([normalize_intensity(x[..., c], method, percentiles) for c in range(x.shape[-1])], -1)
    if method == "zscore":
        std = x.std()
        return (x - x.mean()) / std if std > 0 else np.zeros_like(x)
    if method == "percentile":
        lo_q, hi_q = percentiles
        if not 0 <= lo_q < hi_q <= 100:
            raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100, got {percentiles!r}")
        lo, hi = np.percentile(x, [lo_q, hi_q])
        x = np.clip(x, lo, hi)
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def roi_crop(image: np.ndarray, mask: np.ndarray, pad: float = 0.1, empty: str = "full"):
    """Crop ``image`` and ``mask`` to the mask's bounding box grown by ``pad``.

    The box (rows ``r0..r1``, cols ``c0..c1``, inclusive) is grown on each side by
    ``ceil(pad * box_height)`` rows and ``ceil(pad * box_width)`` columns, then clipped to the
    image. ``empty`` chooses what an all-False mask does: ``"full"`` (default) returns the whole
    image and mask unchanged (a normal-tissue image has no ROI, and dropping it would bias the
    data set); ``"error"`` raises ``ValueError``.

    Returns
    -------
    (cropped_image, cropped_mask)

    Examples
    --------
    >>> m = np.zeros((20, 20), bool); m[5:15, 8:12] = True
    >>> im, mm = roi_crop(np.ones((20, 20)), m, pad=0.1)
    >>> im.shape   # 10 rows + 1 + 1, 4 cols + 1 + 1
    (12, 6)
    """
    arr = np.asarray(image)
    m = np.asarray(mask)
    if m.ndim != 2 or m.shape != arr.shape[:2]:
        raise ValueError(f"mask shape {m.shape} differs from the image shape {arr.shape[:2]}")
    if not (np.isfinite(pad) and pad >= 0):
        raise ValueError(f"pad must be a finite number >= 0, got {pad!r}")
    if empty not in ("full", "error"):
        raise ValueError(f"empty must be 'full' or 'error', got {empty!r}")
    m = m != 0
    rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
    if rows.size == 0:
        if empty == "error":
            raise ValueError("mask is empty: no region to crop (pass empty='full' to keep the whole image)")
        return arr, m
    r0, r1, c0, c1 = rows[0], rows[-1], cols[0], cols[-1]
    pr, pc = int(np.ceil(pad * (r1 - r0 + 1))), int(np.ceil(pad * (c1 - c0 + 1)))
    r0, r1 = max(0, r0 - pr), min(arr.shape[0], r1 + pr + 1)
    c0, c1 = max(0, c0 - pc), min(arr.shape[1], c1 + pc + 1)
    return arr[r0:r1, c0:c1], m[r0:r1, c0:c1]
