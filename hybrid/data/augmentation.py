"""Joint image + mask augmentation presets (``torchvision.transforms.v2``).

Both tensors are wrapped as ``tv_tensors.Image`` / ``tv_tensors.Mask`` and passed through one
``v2.Compose``, so every geometric transform draws its parameters once and moves the mask with
the image (masks use nearest-neighbour interpolation; photometric transforms and normalisation
touch the image only).

Presets
-------
``"A"`` (after the BUSI CNN recipes of [1]_): resize the short side to ``size``, random affine
translation up to 10 %, center crop ``size``, brightness jitter 0.2, random resized crop
``size`` (scale 0.8-1, ratio 3/4-4/3), horizontal and vertical flips (p = 0.5 each), normalise with
mean = std = 0.5 (output in ``[-1, 1]``). With ``normalize=False`` the last step is left out
(output in ``[0, 1]``), for models that normalise inside the network.

``"B"``: resize to ``size``, random rotation up to 15 degrees, horizontal and vertical flips,
random scaling 0.9-1.1, additive Gaussian noise (sigma 0.03, clipped to ``[0, 1]``); output in
``[0, 1]``.

``"none"``: resize to ``size`` only (for validation/test).

Randomness comes from torch's global generator: ``torch.manual_seed(s)`` before a call
reproduces it.

References
----------
.. [1] Shorten C, Khoshgoftaar TM. A survey on image data augmentation for deep learning.
   J. Big Data 6 (2019) 60. doi:10.1186/s40537-019-0197-0
"""

from __future__ import annotations

import torch

from hybrid.compat import tv_transforms as T
from hybrid.compat import tv_tv_tensors as tvt

__all__ = ["augmentation_preset", "PRESETS"]

PRESETS = ("A", "B", "none")


def _preset(name: str, size: int, normalize: bool = True):
    if name == "A":
        steps = [
            T.Resize(size, antialias=True),
            T.RandomAffine(degrees=0, translate=(0.1, 0.1)),
            T.CenterCrop(size),
            T.ColorJitter(brightness=0.2),
            T.RandomResizedCrop(size, scale=(0.8, 1.0), antialias=True),
            T.RandomHorizontalFlip(0.5),
            T.RandomVerticalFlip(0.5),
        ]
        return T.Compose(steps + ([T.Normalize(mean=[0.5], std=[0.5])] if normalize else []))
    if name == "B":
        return T.Compose([
            T.Resize((size, size), antialias=True),
            T.RandomRotation(15),
            T.RandomHorizontalFlip(0.5),
            T.RandomVerticalFlip(0.5),
            T.RandomAffine(degrees=0, scale=(0.9, 1.1)),
            T.GaussianNoise(mean=0.0, sigma=0.03, clip=True),
        ])
    return T.Compose([T.Resize((size, size), antialias=True)])


class _JointAugment:
    """Callable ``(image[C,H,W] float in [0,1], mask[1,H,W] or None) -> (image, mask)``."""

    def __init__(self, name: str, size: int, normalize: bool = True):
        self.name = name
        self.size = size
        self.normalize = normalize
        self.transform = _preset(name, size, normalize)

    def __repr__(self) -> str:
        return f"augmentation_preset({self.name!r}, size={self.size}, normalize={self.normalize})"

    def __call__(self, image: torch.Tensor, mask: torch.Tensor | None = None):
        if not isinstance(image, torch.Tensor) or image.ndim != 3 or not image.is_floating_point():
            raise ValueError(f"image must be a float Tensor[C, H, W] in [0, 1], got "
                             f"{type(image).__name__} {tuple(getattr(image, 'shape', ()))}")
        if mask is None:
            return self.transform(tvt.Image(image)).as_subclass(torch.Tensor), None
        if not isinstance(mask, torch.Tensor) or mask.ndim != 3 or mask.shape[0] != 1:
            raise ValueError(f"mask must be a Tensor[1, H, W], got {tuple(getattr(mask, 'shape', ()))}")
        if mask.shape[-2:] != image.shape[-2:]:
            raise ValueError(
                f"mask size {tuple(mask.shape[-2:])} differs from the image size {tuple(image.shape[-2:])}"
            )
        dtype = mask.dtype
        img, msk = self.transform(tvt.Image(image), tvt.Mask(mask.to(torch.uint8)))
        return img.as_subclass(torch.Tensor), msk.as_subclass(torch.Tensor).to(dtype)


def augmentation_preset(name: str, size: int = 224, normalize: bool = True):
    """Return the joint augmentation callable of preset ``name`` (``"A"``, ``"B"`` or ``"none"``).

    ``normalize`` applies preset A's final mean/std 0.5 normalisation (``[-1, 1]`` output); the
    other presets always return ``[0, 1]``.

    Examples
    --------
    >>> aug = augmentation_preset("none", size=8)
    >>> img, mask = aug(torch.rand(1, 16, 16), torch.zeros(1, 16, 16, dtype=torch.bool))
    >>> tuple(img.shape), tuple(mask.shape), mask.dtype
    ((1, 8, 8), (1, 8, 8), torch.bool)
    """
    if name not in PRESETS:
        raise ValueError(f"augmentation preset must be one of {list(PRESETS)}, got {name!r}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    return _JointAugment(name, size, bool(normalize))
