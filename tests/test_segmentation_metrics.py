"""Dice / IoU per slice and per patient volume, FP slice rate, Hausdorff 95, with the empty-mask rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hybrid.segmentation.metrics import (
    dice, dice_per_group, dice_per_slice, false_positive_slice_rate, hausdorff95, iou, iou_per_group,
    segmentation_report,
)

A = np.array([[1, 1, 1, 0],
              [1, 1, 0, 0]], bool)   # 5 pixels
B = np.array([[0, 1, 1, 1],
              [0, 1, 1, 0]], bool)   # 5 pixels, overlap with A = 3
EMPTY = np.zeros((2, 4), bool)


def test_dice_and_iou_by_hand():
    assert dice(A, B) == pytest.approx(2 * 3 / (5 + 5))   # 0.6
    assert iou(A, B) == pytest.approx(3 / 7)                # union = 5 + 5 - 3
    assert dice(A, A) == 1.0 and iou(A, A) == 1.0
    assert dice(A, ~A) == 0.0


def test_dice_iou_relation_on_random_masks():
    rng = np.random.default_rng(0)
    for _ in range(20):
        p, t = rng.random((16, 16)) > 0.6, rng.random((16, 16)) > 0.5
        d, j = dice(p, t), iou(p, t)
        assert d == pytest.approx(2 * j / (1 + j))


def test_empty_ground_truth_rules():
    assert dice(EMPTY, EMPTY) == 1.0 and iou(EMPTY, EMPTY) == 1.0   # correct "no tumor"
    assert dice(A, EMPTY) == 0.0 and iou(A, EMPTY) == 0.0           # false positive on a tumor-free slice
    assert dice(EMPTY, A) == 0.0 and iou(EMPTY, A) == 0.0           # missed tumor


def test_accepts_uint8_0_255_masks():
    assert dice(A.astype(np.uint8) * 255, B) == pytest.approx(0.6)


def test_per_slice_arrays():
    np.testing.assert_allclose(dice_per_slice([A, EMPTY, A], [B, EMPTY, EMPTY]), [0.6, 1.0, 0.0])


def test_per_group_pools_slices_and_marks_tumor_free_volume_nan():
    preds = [A, EMPTY, A, EMPTY]
    truths = [B, A, EMPTY, EMPTY]
    groups = ["p1", "p1", "p2", "p2"]
    d = dice_per_group(preds, truths, groups)
    # p1 pooled: |P| = 5, |T| = 10, |P∩T| = 3 -> 6 / 15
    assert d["p1"] == pytest.approx(0.4)
    assert math.isnan(d["p2"])  # no tumor in the whole volume
    j = iou_per_group(preds, truths, groups)
    assert j["p1"] == pytest.approx(3 / 12)


def test_false_positive_slice_rate():
    truths = [EMPTY, EMPTY, EMPTY, A]
    preds = [A, EMPTY, EMPTY, EMPTY]
    assert false_positive_slice_rate(preds, truths) == pytest.approx(1 / 3)  # tumor slice ignored
    assert math.isnan(false_positive_slice_rate([A], [A]))                 # no tumor-free slice


def test_report_keys_and_exclusion_of_tumor_free_patients():
    preds = [A, EMPTY, A, EMPTY, B]
    truths = [B, A, EMPTY, EMPTY, B]
    groups = ["p1", "p1", "p2", "p2", "p3"]
    r = segmentation_report(preds, truths, groups)
    assert r["n_slices"] == 5 and r["n_tumor_slices"] == 3 and r["n_tumor_free_slices"] == 2
    assert r["mean_dice_tumor_slices"] == pytest.approx((0.6 + 0.0 + 1.0) / 3)
    assert r["mean_dice_all_slices"] == pytest.approx((0.6 + 0.0 + 0.0 + 1.0 + 1.0) / 5)
    assert r["fp_slice_rate"] == pytest.approx(0.5)
    assert r["dice_per_patient"]["p2"] is None and r["n_tumor_free_groups"] == 1
    assert r["mean_patient_dice"] == pytest.approx((0.4 + 1.0) / 2)  # p2 excluded
    assert "dice_per_patient" not in segmentation_report(preds, truths)


def _hd95_brute(p, t):
    def surface(m):
        pad = np.pad(m, 1)
        inner = np.ones_like(m)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                inner &= pad[1 + dy:1 + dy + m.shape[0], 1 + dx:1 + dx + m.shape[1]]
        return np.argwhere(m & ~inner)

    sp, st = surface(p), surface(t)
    d = np.sqrt(((sp[:, None, :] - st[None, :, :]) ** 2).sum(-1))
    return max(np.percentile(d.min(1), 95), np.percentile(d.min(0), 95))


def test_hausdorff95_by_hand_and_brute_force():
    a = np.zeros((6, 6), bool)
    a[1, 1] = True
    b = np.zeros((6, 6), bool)
    b[4, 5] = True
    assert hausdorff95(a, b) == pytest.approx(5.0)  # sqrt(3^2 + 4^2)
    assert hausdorff95(A, A) == 0.0
    rng = np.random.default_rng(1)
    for _ in range(5):
        p = rng.random((20, 24)) > 0.7
        t = rng.random((20, 24)) > 0.6
        assert hausdorff95(p, t) == pytest.approx(_hd95_brute(p, t))


def test_hausdorff95_spacing_and_empty():
    a = np.zeros((3, 5), bool)
    a[0, 0] = True
    b = np.zeros((3, 5), bool)
    b[0, 4] = True
    assert hausdorff95(a, b, spacing=(1.0, 0.5)) == pytest.approx(2.0)
    assert math.isnan(hausdorff95(a, np.zeros((3, 5), bool))) and math.isnan(hausdorff95(EMPTY, EMPTY))


def test_real_lgg_mask_self_agreement(lgg_slice):
    _, mask = lgg_slice
    assert dice(mask, mask) == 1.0 and hausdorff95(mask, mask) == 0.0
    shifted = np.roll(mask, 3, axis=1)
    assert 0.0 < dice(shifted, mask) < 1.0
    assert hausdorff95(shifted, mask) == pytest.approx(_hd95_brute(shifted, mask))


def test_errors():
    with pytest.raises(ValueError, match="shape"):
        dice(A, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        dice(np.full((2, 4), np.nan), A)
    with pytest.raises(ValueError, match="2 predictions but 1"):
        dice_per_slice([A, A], [A])
    with pytest.raises(ValueError, match="group labels"):
        dice_per_group([A], [A], ["a", "b"])
