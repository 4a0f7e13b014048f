"""Losses: values on hand-made logits/targets (expected numbers derived by hand in each test)."""

from __future__ import annotations

import math

import pytest
import torch

from hybrid.segmentation.losses import BCEDiceLoss, DiceLoss, FocalLoss, make_loss

BIG = 50.0  # sigmoid(50) == 1 and sigmoid(-50) ~ 2e-22 in float32: "hard" predictions


def _logits(pred01):
    return (torch.as_tensor(pred01, dtype=torch.float32) * 2 - 1) * BIG


def test_dice_loss_is_per_sample_then_averaged():
    # Sample A: target = prediction = 4 pixels -> D = (2*4 + 1) / (4 + 4 + 1) = 1.
    # Sample B: empty target, 4 predicted pixels -> D = (0 + 1) / (4 + 0 + 1) = 0.2.
    # Per-sample mean: 1 - (1 + 0.2) / 2 = 0.4   (a pooled batch Dice would be 1 - 9/13 = 0.3077).
    pred = torch.ones(2, 1, 2, 2)
    target = torch.stack([torch.ones(1, 2, 2), torch.zeros(1, 2, 2)])
    assert float(DiceLoss()(_logits(pred), target)) == pytest.approx(0.4, abs=1e-6)


def test_dice_loss_smooth_term_on_empty_cases():
    empty = torch.zeros(1, 1, 3, 3)
    # empty target, empty prediction: (0 + 1) / (0 + 0 + 1) = 1 -> loss 0
    assert float(DiceLoss()(_logits(empty), empty)) == pytest.approx(0.0, abs=1e-6)
    # empty target, 2 predicted pixels, smooth 1: D = 1/3
    pred = empty.clone()
    pred[0, 0, 0, :2] = 1
    assert float(DiceLoss()(_logits(pred), empty)) == pytest.approx(2 / 3, abs=1e-6)
    # same with smooth = 2: D = 2 / (2 + 2) = 0.5
    assert float(DiceLoss(smooth=2.0)(_logits(pred), empty)) == pytest.approx(0.5, abs=1e-6)


def test_dice_loss_soft_probabilities():
    # p = 0.5 everywhere on 4 pixels, target 1 pixel: D = (2*0.5 + 1) / (2 + 1 + 1) = 0.5
    target = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    assert float(DiceLoss()(torch.zeros(1, 1, 2, 2), target)) == pytest.approx(0.5, abs=1e-6)


def test_bce_dice_is_sum_of_terms():
    target = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    # BCE at p = 0.5 is ln 2 per pixel; Dice term 0.5 (previous test)
    assert float(BCEDiceLoss()(torch.zeros(1, 1, 2, 2), target)) == pytest.approx(math.log(2) + 0.5, abs=1e-6)
    assert float(BCEDiceLoss(bce_weight=2.0, dice_weight=0.0)(torch.zeros(1, 1, 2, 2), target)) == pytest.approx(
        2 * math.log(2), abs=1e-6)


def test_focal_loss_values():
    logits = torch.zeros(1, 1, 1, 2)  # p = 0.5: p_t = 0.5, (1 - p_t)^2 = 0.25, CE = ln 2
    target = torch.tensor([[[[1.0, 0.0]]]])
    # alpha 0.25: positives weigh 0.25, negatives 0.75 -> mean = (0.25 + 0.75) / 2 * 0.25 * ln 2
    assert float(FocalLoss(alpha=0.25, gamma=2.0)(logits, target)) == pytest.approx(0.125 * math.log(2), abs=1e-6)
    # gamma 0 and no alpha is plain BCE
    x = torch.randn(2, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    t = (torch.rand(2, 1, 4, 4, generator=torch.Generator().manual_seed(1)) > 0.5).float()
    bce = torch.nn.functional.binary_cross_entropy_with_logits(x, t)
    assert float(FocalLoss(alpha=None, gamma=0.0)(x, t)) == pytest.approx(float(bce), rel=1e-6)


def test_focal_loss_down_weights_easy_pixels():
    target = torch.ones(1, 1, 1, 1)
    easy, hard = torch.full((1, 1, 1, 1), 3.0), torch.full((1, 1, 1, 1), -3.0)
    ratio_focal = float(FocalLoss(alpha=None)(easy, target)) / float(FocalLoss(alpha=None)(hard, target))
    ratio_bce = float(FocalLoss(alpha=None, gamma=0)(easy, target)) / float(FocalLoss(alpha=None, gamma=0)(hard, target))
    assert ratio_focal < ratio_bce


def test_multiclass_dice_with_integer_labels():
    labels = torch.tensor([[[0, 1], [2, 2]]])  # (n, H, W)
    logits = torch.nn.functional.one_hot(labels, 3).permute(0, 3, 1, 2).float() * BIG
    assert float(DiceLoss(multiclass=True)(logits, labels)) == pytest.approx(0.0, abs=1e-6)
    assert float(BCEDiceLoss(multiclass=True)(logits, labels[:, None])) == pytest.approx(0.0, abs=1e-5)


def test_gradients_flow():
    logits = torch.zeros(1, 1, 4, 4, requires_grad=True)
    target = torch.zeros(1, 1, 4, 4)
    target[..., :2, :2] = 1
    for name in ("dice", "bce_dice", "focal"):
        logits.grad = None
        make_loss(name)(logits, target).backward()
        assert logits.grad[..., :2, :2].sum() < 0  # raising tumor logits lowers the loss


def test_errors():
    with pytest.raises(ValueError, match="does not match"):
        DiceLoss()(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 3, 3))
    with pytest.raises(ValueError, match="smooth"):
        DiceLoss(smooth=0)
    with pytest.raises(ValueError, match="loss must be one of"):
        make_loss("hinge")
    with pytest.raises(ValueError, match="alpha"):
        FocalLoss(alpha=2.0)
