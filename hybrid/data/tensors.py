"""Stack images of any size and dtype into one float tensor batch for a CNN."""

from __future__ import annotations

import numpy as np
import torch

from hybrid.data.preprocessing import resize

__all__ = ["to_tensor_batch", "to_unit_float"]

_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0, np.dtype(bool): 1.0}


def to_unit_float(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Scale one image to float32 in ``[0, 1]``: ``uint8 / 255``, ``uint16 / 65535``, ``bool`` as 0/1,
    float taken as already in ``[0, 1]`` (values outside raise ``ValueError``). Other dtypes raise:
    normalise them first with :func:`hybrid.data.preprocessing.normalize_intensity`.

    >>> to_unit_float(np.array([[0, 65535]], np.uint16)).tolist()
    [[0.0, 1.0]]
    """
    arr = np.asarray(image)
    if arr.dtype in _SCALE:
        return arr.astype(np.float32) / np.float32(_SCALE[arr.dtype])
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
            raise ValueError(
                f"{name} is float with values in [{arr.min():.4g}, {arr.max():.4g}]; float images must lie in "
                "[0, 1] (use normalize_intensity(..., 'minmax') first)"
            )
        return arr.astype(np.float32)
    raise ValueError(
        f"{name} has dtype {arr.dtype}; expected uint8, uint16, bool or float in [0, 1] "
        "(use normalize_intensity first)"
    )


def _match_channels(arr: np.ndarray, channels: int | None, name: str) -> np.ndarray:
    arr = arr[..., None] if arr.ndim == 2 else arr
    c = arr.shape[-1]
    if channels is None or c == channels:
        return arr
    if c == 1:
        return np.repeat(arr, channels, axis=-1)
    if channels == 1:
        return arr.mean(axis=-1, keepdims=True)
    if c > channels:
        return arr[..., :channels]
    raise ValueError(f"{name} has {c} channels; cannot make {channels}")


def to_tensor_batch(images, size, channels: int | None = 3) -> torch.Tensor:
    """Resize and scale a list of images into ``Tensor[n, C, size, size]`` float32 in ``[0, 1]``.

    Parameters
    ----------
    images : sequence of array
        ``(H, W)`` or ``(H, W, C)`` images of any sizes; dtypes as in :func:`to_unit_float`.
    size : int or (int, int)
        Output height and width (aspect ratio not kept; area interpolation when shrinking,
        bilinear when enlarging, see :func:`hybrid.data.preprocessing.resize`).
    channels : int or None
        Output channels: a 1-channel image is repeated ``channels`` times; ``channels=1`` averages
        a multi-channel image; a 4-channel image with ``channels=3`` keeps its first three (RGBA
        -> RGB). ``None`` keeps each image's channels (they must then agree).
        Adapting grey input inside the network (first-conv weights) is the backbone's business.

    Examples
    --------
    >>> to_tensor_batch([np.zeros((10, 12), np.uint8), np.full((5, 5, 3), 255, np.uint8)], 8).shape
    torch.Size([2, 3, 8, 8])
    """
    if isinstance(images, np.ndarray) and images.ndim in (2,):
        raise ValueError("images must be a sequence of images; wrap a single image in a list")
    batch = []
    for i, im in enumerate(images):
        name = f"images[{i}]"
        arr = np.asarray(im)
        if arr.ndim not in (2, 3) or min(arr.shape[:2]) == 0:
            raise ValueError(f"{name} has shape {arr.shape}; expected (H, W) or (H, W, C)")
        unit = to_unit_float(arr, name)
        batch.append(_match_channels(resize(unit, size), channels, name))
    if not batch:
        raise ValueError("images is empty")
    shapes = {b.shape for b in batch}
    if len(shapes) > 1:
        raise ValueError(f"images have different channel counts {sorted(s[-1] for s in shapes)}; pass channels=")
    return torch.from_numpy(np.ascontiguousarray(np.stack(batch).transpose(0, 3, 1, 2), dtype=np.float32))
