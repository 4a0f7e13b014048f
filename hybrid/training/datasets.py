"""A map-style dataset over in-memory image tensors, applying an augmentation per sample.

Items are dicts so that one collate works for classifiers (``image``, ``target``),
segmenters (``image``, ``mask``) and fused models (``image``, ``features``, ``target``):
``{"image": Tensor[C,H,W], "index": int, ...}`` plus ``target`` / ``mask`` / each extra
when given. Augmentation is the dataset's business (the trainer never touches images).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch.utils.data import Dataset

__all__ = ["ArrayDataset"]


class ArrayDataset(Dataset):
    """Images (and optional targets, masks, per-sample extras) held as tensors.

    Parameters
    ----------
    images : Tensor[n, C, H, W]
        Float images (typically in [0, 1], see :func:`hybrid.data.tensors.to_tensor_batch`).
    targets : Tensor[n] or None
        Class indices (int64).
    masks : Tensor[n, 1, H, W] or None
        Segmentation masks, transformed jointly with the image.
    extras : mapping of name -> Tensor[n, ...], optional
        Per-sample tensors passed through untouched (e.g. precomputed handcrafted features).
    transform : callable or None
        ``transform(image, mask) -> (image, mask)`` (the signature of
        :func:`hybrid.data.augmentation.augmentation_preset`), called with ``mask=None`` when
        there are no masks; a callable returning only the image is accepted too.
    """

    def __init__(self, images: torch.Tensor, targets: torch.Tensor | None = None, masks: torch.Tensor | None = None,
                 extras: Mapping[str, torch.Tensor] | None = None,
                 transform: Callable[..., Any] | None = None) -> None:
        if not isinstance(images, torch.Tensor) or images.ndim != 4:
            raise ValueError(f"images must be a Tensor[n, C, H, W], got {getattr(images, 'shape', type(images))}")
        n = len(images)
        named = {"targets": targets, "masks": masks, **{f"extras[{k!r}]": v for k, v in (extras or {}).items()}}
        for name, value in named.items():
            if value is not None and len(value) != n:
                raise ValueError(f"{name} has {len(value)} rows but images has {n}")
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable or None, got {type(transform).__name__}")
        self.images, self.targets, self.masks = images, targets, masks
        self.extras = dict(extras or {})
        self.transform = transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict[str, Any]:
        image = self.images[index]
        mask = None if self.masks is None else self.masks[index]
        if self.transform is not None:
            out = self.transform(image, mask)
            image, mask = out if isinstance(out, tuple) else (out, mask)
        item: dict[str, Any] = {"image": image, "index": index}
        if self.targets is not None:
            item["target"] = self.targets[index]
        if mask is not None:
            item["mask"] = mask
        for key, value in self.extras.items():
            item[key] = value[index]
        return item
