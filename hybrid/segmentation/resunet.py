"""Deep residual U-Net (ResUNet; Zhang, Liu & Wang 2018)."""

from __future__ import annotations

from torch import nn

from hybrid.segmentation.blocks import EncoderDecoder, ResidualBlock, make_norm

__all__ = ["ResUNet"]


class ResUNet(EncoderDecoder):
    """ResUNet: pre-activation residual units in encoder and decoder, strided down-sampling.

    As in Zhang et al. (2018): the first unit has no leading norm/ReLU, each further encoder
    unit down-samples with a stride-2 convolution (no pooling), the decoder up-samples
    bilinearly (x2), concatenates the skip and applies a residual unit, and a final norm +
    ReLU precedes the 1x1 output convolution. The paper used depth 3 (a bridge at 1/8
    resolution); ``depth``, ``base_channels`` (64 in the paper), ``norm`` and ``dropout``
    are configurable. The 1x1 convolution after up-sampling (halving channels before the
    concatenation) is our choice, to keep the decoder widths equal to :class:`UNet`'s.
    Any input size is accepted (zero-pad to a multiple of ``2 ** depth``, crop back).

    Parameters are those of :class:`~hybrid.segmentation.unet.UNet`.

    References
    ----------
    Zhang Z, Liu Q, Wang Y. Road extraction by deep residual U-Net. IEEE Geoscience and
    Remote Sensing Letters 15(5) (2018) 749-753. doi:10.1109/LGRS.2018.2802944

    Examples
    --------
    >>> import torch
    >>> net = ResUNet(in_channels=3, base_channels=4, depth=3)
    >>> tuple(net(torch.zeros(1, 3, 33, 20)).shape)
    (1, 1, 33, 20)
    """

    def _stem(self, cin: int, cout: int) -> nn.Module:
        return ResidualBlock(cin, cout, norm=self.norm, dropout=self.dropout, first=True)

    def _down(self, cin: int, cout: int) -> nn.Module:
        return ResidualBlock(cin, cout, norm=self.norm, dropout=self.dropout, stride=2)

    def _up(self, cin: int, cout: int) -> nn.Module:
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                             nn.Conv2d(cin, cout, 1))

    def _decode(self, cin: int, cout: int) -> nn.Module:
        return ResidualBlock(cin, cout, norm=self.norm, dropout=self.dropout)

    def _head_pre(self, channels: int) -> nn.Module:
        return nn.Sequential(make_norm(self.norm, channels), nn.ReLU(inplace=True))
