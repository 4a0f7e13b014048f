"""hybrid.data.augmentation: presets move the mask with the image, seeding reproduces."""

from __future__ import annotations

import pytest
import torch

from hybrid.compat import tv_transforms
from hybrid.data.augmentation import augmentation_preset


def _pattern(size=64):
    """A grey image whose bright square *is* the mask (asymmetric: top-left quadrant)."""
    mask = torch.zeros(1, size, size, dtype=torch.bool)
    mask[:, 8:20, 5:25] = True
    image = torch.full((1, size, size), 0.2)
    image[mask] = 0.9
    return image, mask


@pytest.mark.parametrize("name", ["A", "B", "none"])
def test_mask_moves_with_image(name):
    image, mask = _pattern()
    aug = augmentation_preset(name, size=48)
    for seed in range(6):
        torch.manual_seed(seed)
        out, m = aug(image, mask)
        assert out.shape == (1, 48, 48) and m.shape == (1, 48, 48) and m.dtype == torch.bool
        # the bright region of the output (image-only transforms change levels, not places)
        lo, hi = out.min(), out.max()
        bright = out > lo + 0.5 * (hi - lo)
        inter = (bright & m).sum().item()
        union = (bright | m).sum().item()
        assert m.any() and inter / union > 0.8, (name, seed, inter, union)


def test_flip_moves_known_pattern():
    image, mask = _pattern(32)
    aug = augmentation_preset("B", size=32)
    flipped_once = False
    for seed in range(10):
        torch.manual_seed(seed)
        _, m = aug(image, mask)
        rows = m[0].any(dim=1).nonzero()
        if rows.float().mean() > 16:  # pattern started in the top half: a vertical flip happened
            flipped_once = True
    assert flipped_once


def test_seed_reproduces_and_differs():
    image, mask = _pattern()
    aug = augmentation_preset("A", size=40)
    torch.manual_seed(7)
    a = aug(image, mask)
    torch.manual_seed(7)
    b = aug(image, mask)
    torch.manual_seed(8)
    c = aug(image, mask)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_preset_ranges_and_multichannel():
    x = torch.rand(3, 50, 70)
    torch.manual_seed(0)
    out_a, none = augmentation_preset("A", 32)(x)
    assert none is None and out_a.shape == (3, 32, 32)
    assert out_a.min() >= -1.0 and out_a.max() <= 1.0 and out_a.min() < 0  # normalised by mean=std=0.5
    out_b, _ = augmentation_preset("B", 32)(x)
    assert out_b.min() >= 0.0 and out_b.max() <= 1.0
    out_n, _ = augmentation_preset("none", 32)(x)
    ref = tv_transforms.functional.resize(x, [32, 32], antialias=True)
    torch.testing.assert_close(out_n, ref)


def test_bad_input():
    with pytest.raises(ValueError, match="preset"):
        augmentation_preset("C", 32)
    aug = augmentation_preset("none", 8)
    with pytest.raises(ValueError, match="float Tensor"):
        aug(torch.zeros(8, 8))
    with pytest.raises(ValueError, match="differs"):
        aug(torch.zeros(1, 8, 8), torch.zeros(1, 9, 8))


def test_preset_a_normalize_flag_only_drops_the_final_normalisation():
    image = torch.rand(1, 40, 40)
    torch.manual_seed(7)
    normalised, _ = augmentation_preset("A", size=32)(image)
    torch.manual_seed(7)
    unit, _ = augmentation_preset("A", size=32, normalize=False)(image)
    assert unit.min() >= 0.0 and unit.max() <= 1.0
    torch.testing.assert_close(normalised, (unit - 0.5) / 0.5)
