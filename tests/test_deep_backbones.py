"""Backbone contract, tested over every registered backbone at small input."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hybrid.deep.backbones import (
    BACKBONES,
    Backbone,
    adapt_input_conv,
    available_backbones,
    create_backbone,
    register_backbone,
)

# The documented penultimate widths (torchvision architectures), stated independently of the registry.
EXPECTED_DIM = {"resnet18": 512, "resnet34": 512, "resnet50": 2048, "vgg16": 4096}
SIZE = 32


@pytest.fixture(scope="module", params=available_backbones())
def nets(request):
    """For one backbone: the RGB net and its 1-channel adapted version (same seed)."""
    name = request.param
    return name, {"rgb": create_backbone(name), "adapt1": create_backbone(name, in_chans=1, channel_mode="adapt")}


def _x(c, n=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, c, SIZE, SIZE, generator=g)


def test_registry_lists_the_four_documented_backbones():
    assert set(EXPECTED_DIM) <= set(available_backbones())
    for name, dim in EXPECTED_DIM.items():
        assert BACKBONES[name].dim == dim


def test_dim_matches_output_and_embed_is_deterministic(nets):
    name, n = nets
    net = n["rgb"]
    assert net.dim == EXPECTED_DIM[name]
    x = _x(3)
    a, b = net.embed(x), net.embed(x)
    assert a.shape == (2, net.dim) and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert torch.isfinite(a).all()
    assert not torch.equal(a[0], a[1])  # different images, different embeddings


def test_embed_uses_eval_mode_and_restores_train_flag(nets):
    _, n = nets
    net = n["rgb"]
    x = _x(3)
    ref = net.embed(x)
    net.train()
    try:
        out = net.embed(x)  # dropout (vgg16) and batch-norm batch statistics must be off
        assert net.training
    finally:
        net.eval()
    torch.testing.assert_close(out, ref)


def test_grey_replicate_equals_rgb_replicated(nets):
    name, n = nets
    rgb = n["rgb"]
    grey = Backbone(name, rgb.trunk, rgb.dim, in_chans=1, channel_mode="replicate")
    x1 = _x(1)
    torch.testing.assert_close(grey.embed(x1), rgb.embed(x1.repeat(1, 3, 1, 1)), rtol=1e-4, atol=1e-5)


def test_adapt_one_channel_equals_replicate(nets):
    # summed RGB kernel on a grey image == RGB kernel on the grey image replicated (timm's rule)
    _, n = nets
    x1 = _x(1, seed=1)
    torch.testing.assert_close(n["adapt1"].embed(x1), n["rgb"].embed(x1.repeat(1, 3, 1, 1)), rtol=1e-3, atol=1e-4)


def test_adapt_six_channels_on_stacked_rgb_equals_rgb():
    # the first-conv rule is backbone-independent (adapt1 above covers every registry entry's first_conv)
    rgb, six = create_backbone("resnet18"), create_backbone("resnet18", in_chans=6, channel_mode="adapt")
    x3 = _x(3, seed=2)
    torch.testing.assert_close(six.embed(torch.cat([x3, x3], 1)), rgb.embed(x3), rtol=1e-3, atol=1e-4)


def test_channels_last_and_batching_give_same_result(nets):
    _, n = nets
    net = n["rgb"]
    x = _x(3, n=3, seed=3)
    ref = net.embed(x.contiguous(), batch_size=3)
    torch.testing.assert_close(net.embed(x.contiguous(memory_format=torch.channels_last), batch_size=2), ref,
                               rtol=1e-4, atol=1e-5)


def test_wrong_channel_count_is_rejected(nets):
    _, n = nets
    with pytest.raises(ValueError, match="in_chans=1"):
        n["adapt1"].embed(_x(3))


def test_forward_is_differentiable_for_fine_tuning():
    net = create_backbone("resnet18", in_chans=1)
    x = _x(1).requires_grad_(True)
    net.train()
    net(x).sum().backward()
    assert x.grad is not None and net.trunk.conv1.weight.grad is not None


def test_same_seed_same_weights_and_global_rng_untouched():
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    a = create_backbone("resnet18", seed=5)
    after = torch.rand(1)
    b = create_backbone("resnet18", seed=5)
    c = create_backbone("resnet18", seed=6)
    assert torch.equal(after, expected_next)
    assert torch.equal(a.trunk.conv1.weight, b.trunk.conv1.weight)
    assert not torch.equal(a.trunk.conv1.weight, c.trunk.conv1.weight)


def test_adapt_input_conv_rules():
    w = torch.randn(4, 3, 3, 3)
    torch.testing.assert_close(adapt_input_conv(w, 1), w.sum(1, keepdim=True))
    assert torch.equal(adapt_input_conv(w, 3), w)
    w4 = adapt_input_conv(w, 4)
    torch.testing.assert_close(w4, torch.cat([w, w[:, :1]], 1) * 0.75)
    with pytest.raises(ValueError, match="RGB kernel"):
        adapt_input_conv(torch.randn(4, 2, 3, 3), 1)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "alexnet"}, "unknown backbone"),
        ({"name": "resnet18", "in_chans": 2}, "channel_mode='adapt'"),
        ({"name": "resnet18", "channel_mode": "mean"}, "channel_mode"),
        ({"name": "resnet18", "in_chans": 0}, "in_chans"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        create_backbone(**kwargs)


def test_register_backbone_decorator_adds_a_backbone():
    name = "tiny_test_net"

    @register_backbone(name, dim=8, first_conv="0", head="3")
    def _tiny():
        return nn.Sequential(nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())

    try:
        net = create_backbone(name, in_chans=2, channel_mode="adapt")
        assert net.dim == 8 and net.embed(_x(2)).shape == (2, 8)
        with pytest.raises(ValueError, match="already registered"):
            register_backbone(name, dim=8, first_conv="0", head="3")(_tiny)
    finally:
        BACKBONES.pop(name, None)
