"""Building blocks shared by :class:`~hybrid.segmentation.unet.UNet` and
:class:`~hybrid.segmentation.resunet.ResUNet`.

Both networks are the same encoder-decoder skeleton (:class:`EncoderDecoder`): ``depth``
down-sampling steps, channel count doubling at each step from ``base_channels``, skip
connections concatenated in the decoder, and a 1x1 convolution to ``out_channels`` logits.
They differ in the block used at each level and in how they down/up-sample.

Input sizes
-----------
The skeleton accepts any ``H, W >= 1``: the input is zero-padded on the bottom/right to the
next multiple of ``2 ** depth`` (so every pooling halves an even size and the skip
connections line up) and the logits are cropped back to ``(H, W)``. Zero padding is the same
value as a black MRI/ultrasound background, and padding only bottom/right keeps pixel
``(0, 0)`` aligned with the input.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from features._validation import check_choice, check_positive_int

__all__ = ["NORMS", "make_norm", "ConvBlock", "ResidualBlock", "EncoderDecoder", "pad_to_multiple"]

NORMS = ("batch", "instance", "none")


def make_norm(norm: str, channels: int) -> nn.Module:
    """Return the normalisation layer named ``norm`` for ``channels`` feature maps.

    ``"batch"`` → :class:`torch.nn.BatchNorm2d`; ``"instance"`` → :class:`torch.nn.InstanceNorm2d`
    with learnable affine parameters; ``"none"`` → identity.
    """
    check_choice(norm, "norm", NORMS)
    if norm == "batch":
        return nn.BatchNorm2d(channels)
    if norm == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    return nn.Identity()


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Zero-pad ``x`` (n, C, H, W) on the bottom/right so H and W are multiples of ``multiple``.

    Returns the padded tensor and the original ``(H, W)`` for cropping back.

    >>> y, hw = pad_to_multiple(torch.zeros(1, 1, 5, 8), 4)
    >>> tuple(y.shape), hw
    ((1, 1, 8, 8), (5, 8))
    """
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph))
    return x, (h, w)


class ConvBlock(nn.Module):
    """Two 3x3 convolutions, each followed by normalisation and ReLU (the U-Net level block).

    ``stride`` applies to the first convolution; ``dropout`` (a
    :class:`torch.nn.Dropout2d` probability) sits between the two convolutions.
    """

    def __init__(self, in_channels: int, out_channels: int, norm: str = "batch", dropout: float = 0.0,
                 stride: int = 1):
        super().__init__()
        bias = norm == "none"
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=bias),
            make_norm(norm, out_channels),
            nn.ReLU(inplace=True),
            nn.Dropout2d(dropout) if dropout > 0 else nn.Identity(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=bias),
            make_norm(norm, out_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class ResidualBlock(nn.Module):
    """Pre-activation residual unit of ResUNet (Zhang, Liu & Wang 2018, Fig. 2).

    ``(norm → ReLU → conv3x3) × 2`` plus an identity shortcut, or a 1x1 convolution (+ norm)
    shortcut when the channel count or the stride changes. The network's first unit
    (``first=True``) omits the leading norm/ReLU because it sees the raw image, as in the
    paper. Down-sampling is done by ``stride=2`` in the first convolution instead of pooling.

    References
    ----------
    Zhang Z, Liu Q, Wang Y. Road extraction by deep residual U-Net. IEEE Geoscience and
    Remote Sensing Letters 15(5) (2018) 749-753. doi:10.1109/LGRS.2018.2802944
    """

    def __init__(self, in_channels: int, out_channels: int, norm: str = "batch", dropout: float = 0.0,
                 stride: int = 1, first: bool = False):
        super().__init__()
        bias = norm == "none"
        pre = [] if first else [make_norm(norm, in_channels), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(
            *pre,
            nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=bias),
            make_norm(norm, out_channels),
            nn.ReLU(inplace=True),
            nn.Dropout2d(dropout) if dropout > 0 else nn.Identity(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=True),
        )
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=bias), make_norm(norm, out_channels)
            )
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class EncoderDecoder(nn.Module):
    """U-shaped encoder-decoder with concatenated skips (the skeleton of both networks).

    Subclasses provide four factories: ``_stem(in, out)`` (level-0 encoder block),
    ``_down(in, out)`` (down-sample by 2 and encode), ``_up(in, out)`` (up-sample by 2 and
    reduce channels to ``out``), ``_decode(in, out)`` (block after concatenation) and
    optionally ``_head_pre(channels)`` (applied before the 1x1 output convolution).
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 1, base_channels: int = 32, depth: int = 4,
                 norm: str = "batch", dropout: float = 0.0):
        super().__init__()
        self.in_channels = check_positive_int(in_channels, "in_channels")
        self.out_channels = check_positive_int(out_channels, "out_channels")
        self.base_channels = check_positive_int(base_channels, "base_channels")
        self.depth = check_positive_int(depth, "depth")
        self.norm = check_choice(norm, "norm", NORMS)
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.dropout = float(dropout)
        widths = [base_channels * 2**i for i in range(depth + 1)]
        self.encoder = nn.ModuleList([self._stem(in_channels, widths[0])])
        self.encoder.extend(self._down(widths[i], widths[i + 1]) for i in range(depth))
        self.ups = nn.ModuleList(self._up(widths[i + 1], widths[i]) for i in reversed(range(depth)))
        self.decoder = nn.ModuleList(self._decode(2 * widths[i], widths[i]) for i in reversed(range(depth)))
        self.head = nn.Sequential(self._head_pre(widths[0]), nn.Conv2d(widths[0], out_channels, 1))

    # factories --------------------------------------------------------------------------
    def _stem(self, cin: int, cout: int) -> nn.Module:  # pragma: no cover - abstract
        raise NotImplementedError

    _down: Callable[..., nn.Module]
    _up: Callable[..., nn.Module]
    _decode: Callable[..., nn.Module]

    def _head_pre(self, channels: int) -> nn.Module:
        return nn.Identity()

    # forward ------------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(n, out_channels, H, W)`` for an input ``(n, in_channels, H, W)`` of any size."""
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__} expects input (n, {self.in_channels}, H, W), got {tuple(x.shape)}"
            )
        x, (h, w) = pad_to_multiple(x, 2**self.depth)
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
        x = skips.pop()
        for up, dec in zip(self.ups, self.decoder):
            x = dec(torch.cat([up(x), skips.pop()], dim=1))
        return self.head(x)[..., :h, :w]

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"base_channels={self.base_channels}, depth={self.depth}, norm={self.norm!r}, "
                f"dropout={self.dropout}")
