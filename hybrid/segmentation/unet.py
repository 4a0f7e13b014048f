"""U-Net (Ronneberger, Fischer & Brox 2015) for 2-D binary or multi-class segmentation."""

from __future__ import annotations

from torch import nn

from hybrid.segmentation.blocks import ConvBlock, EncoderDecoder

__all__ = ["UNet"]


class UNet(EncoderDecoder):
    """U-Net: double-conv blocks, 2x2 max-pooling down, 2x2 transposed-conv up, concatenated skips.

    Differences from the 2015 paper, on purpose: 3x3 convolutions are zero-padded ("same"),
    so the output has the input's size and no cropping of skips is needed; a normalisation
    layer follows each convolution (``norm``); channel widths start at ``base_channels``
    (64 in the paper) and double at each of the ``depth`` (4 in the paper) down-sampling
    steps. Inputs of any size are accepted: they are zero-padded bottom/right to a multiple
    of ``2 ** depth`` and the logits cropped back (see :mod:`hybrid.segmentation.blocks`).

    Parameters
    ----------
    in_channels : int
        Input channels (1 for grey ultrasound, 3 for the LGG pre-contrast/FLAIR/post-contrast stack).
    out_channels : int
        1 for binary segmentation (one logit per pixel; apply a sigmoid), ``K`` for ``K``
        classes (softmax over channels).
    base_channels : int
        Feature maps at full resolution.
    depth : int
        Number of down-sampling steps (>= 1).
    norm : {"batch", "instance", "none"}
    dropout : float
        ``Dropout2d`` probability inside each block (0 disables).

    Returns logits of shape ``(n, out_channels, H, W)``.

    References
    ----------
    Ronneberger O, Fischer P, Brox T. U-Net: convolutional networks for biomedical image
    segmentation. MICCAI 2015, LNCS 9351, 234-241. doi:10.1007/978-3-319-24574-4_28

    Examples
    --------
    >>> import torch
    >>> net = UNet(in_channels=1, base_channels=4, depth=2)
    >>> tuple(net(torch.zeros(2, 1, 30, 45)).shape)
    (2, 1, 30, 45)
    """

    def _block(self, cin: int, cout: int) -> nn.Module:
        return ConvBlock(cin, cout, norm=self.norm, dropout=self.dropout)

    def _stem(self, cin: int, cout: int) -> nn.Module:
        return self._block(cin, cout)

    def _down(self, cin: int, cout: int) -> nn.Module:
        return nn.Sequential(nn.MaxPool2d(2), self._block(cin, cout))

    def _up(self, cin: int, cout: int) -> nn.Module:
        return nn.ConvTranspose2d(cin, cout, 2, stride=2)

    def _decode(self, cin: int, cout: int) -> nn.Module:
        return self._block(cin, cout)
