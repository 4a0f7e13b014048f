"""UNet / ResUNet: output shapes for any channel count, depth and (non-divisible) size; options; errors."""

from __future__ import annotations

import pytest
import torch

from hybrid.segmentation import ResUNet, UNet
from hybrid.segmentation.blocks import pad_to_multiple

NETS = [UNet, ResUNet]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("net_cls", NETS)
@pytest.mark.parametrize("in_channels, depth, hw", [
    (1, 2, (32, 32)), (3, 2, (33, 47)), (1, 3, (17, 64)), (3, 3, (32, 32)), (1, 4, (33, 47)), (3, 4, (17, 20)),
])
def test_forward_shape(net_cls, in_channels, depth, hw):
    net = net_cls(in_channels=in_channels, out_channels=1, base_channels=4, depth=depth).eval()
    with torch.no_grad():
        out = net(torch.rand(2, in_channels, *hw))
    assert out.shape == (2, 1, *hw)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("net_cls", NETS)
@pytest.mark.parametrize("norm", ["batch", "instance", "none"])
def test_multiclass_output_and_norms(net_cls, norm):
    net = net_cls(in_channels=2, out_channels=4, base_channels=4, depth=2, norm=norm, dropout=0.1)
    out = net(torch.rand(3, 2, 20, 24))
    assert out.shape == (3, 4, 20, 24)
    out.sum().backward()  # gradients reach the first convolution
    first = next(p for p in net.parameters() if p.ndim == 4)
    assert first.grad is not None and first.grad.abs().sum() > 0


@pytest.mark.parametrize("net_cls", NETS)
def test_channel_widths_double_per_level(net_cls):
    net = net_cls(in_channels=1, base_channels=8, depth=3)
    widths = [m.out_channels for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert max(widths) == 8 * 2**3
    assert net.head[-1].out_channels == 1


def test_padding_does_not_shift_pixels():
    # Bottom/right padding keeps (0, 0) aligned: the crop of the padded tensor is the input.
    x = torch.arange(5 * 7, dtype=torch.float32).reshape(1, 1, 5, 7)
    y, (h, w) = pad_to_multiple(x, 4)
    assert y.shape == (1, 1, 8, 8) and (h, w) == (5, 7)
    assert torch.equal(y[..., :h, :w], x) and y[..., h:, :].abs().sum() == 0 and y[..., :, w:].abs().sum() == 0


@pytest.mark.parametrize("net_cls", NETS)
def test_wrong_input_channels_named(net_cls):
    net = net_cls(in_channels=3, base_channels=4, depth=2)
    with pytest.raises(ValueError, match=r"expects input \(n, 3, H, W\)"):
        net(torch.rand(1, 1, 16, 16))


@pytest.mark.parametrize("kwargs, match", [
    ({"depth": 0}, "depth"), ({"base_channels": 0}, "base_channels"), ({"norm": "group"}, "norm"),
    ({"dropout": 1.0}, "dropout"), ({"in_channels": 0}, "in_channels"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UNet(**kwargs)
