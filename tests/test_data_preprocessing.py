"""hybrid.data.preprocessing and hybrid.data.tensors: channels, resize, normalisation, ROI crop, batches."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from hybrid.data.preprocessing import normalize_intensity, resize, roi_crop, select_channels
from hybrid.data.tensors import to_tensor_batch

RNG = np.random.default_rng(2)


def test_select_channels():
    im = RNG.integers(0, 255, (5, 6, 3), dtype=np.uint8)
    assert np.array_equal(select_channels(im, -1), im[..., 2])
    assert select_channels(im, [0]).shape == (5, 6, 1)
    grey = im[..., 0]
    assert select_channels(grey, None) is grey or np.array_equal(select_channels(grey, None), grey)
    assert np.array_equal(select_channels(grey, 0), grey)
    with pytest.raises(ValueError, match="out of range"):
        select_channels(grey, 1)
    with pytest.raises(ValueError, match="empty"):
        select_channels(im, [])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.int32])
def test_resize_keeps_dtype_and_matches_opencv(dtype):
    im = (RNG.random((40, 30)) * 1000).astype(dtype)
    out = resize(im, (20, 15))
    assert out.dtype == im.dtype and out.shape == (20, 15)
    ref = cv2.resize(im.astype(np.float64), (15, 20), interpolation=cv2.INTER_AREA)
    assert np.abs(out.astype(np.float64) - ref).max() <= 1.0
    assert resize(im[..., None], 8).shape == (8, 8, 1)


def test_resize_mask_nearest():
    m = np.zeros((8, 8), bool)
    m[2:4, 2:4] = True
    out = resize(m, 16)
    assert out.dtype == bool and out.sum() == 16
    with pytest.raises(ValueError, match="size"):
        resize(m, (0, 3))


def test_normalize_against_numpy():
    x = RNG.normal(100, 20, (30, 30))
    mm = normalize_intensity(x, "minmax")
    np.testing.assert_allclose(mm, (x - x.min()) / np.ptp(x))
    z = normalize_intensity(x, "zscore")
    np.testing.assert_allclose(z, (x - x.mean()) / x.std(ddof=0))
    x[0, 0] = 1e6  # hot pixel
    p = normalize_intensity(x, "percentile", percentiles=(2, 98))
    lo, hi = np.percentile(x, [2, 98])
    np.testing.assert_allclose(p, (np.clip(x, lo, hi) - lo) / (hi - lo))
    assert p.max() == 1.0 and (p == 1.0).sum() >= 2


def test_normalize_constant_and_channels():
    for method in ("minmax", "zscore", "percentile"):
        assert not normalize_intensity(np.full((4, 4), 9, np.uint8), method).any()
    rgb = np.stack([np.arange(16.0).reshape(4, 4), np.arange(16.0).reshape(4, 4) * 10], -1)
    out = normalize_intensity(rgb)
    np.testing.assert_allclose(out[..., 0], out[..., 1])  # per channel
    with pytest.raises(ValueError, match="method"):
        normalize_intensity(rgb, "l2")
    with pytest.raises(ValueError, match="NaN"):
        normalize_intensity(np.array([[np.nan, 1.0]]))


def test_roi_crop_padding_and_clipping():
    im = np.arange(400).reshape(20, 20)
    m = np.zeros((20, 20), bool)
    m[5:15, 8:12] = True  # 10 x 4 box
    c, cm = roi_crop(im, m, pad=0.25)  # ceil(2.5)=3 rows, ceil(1)=1 col each side
    assert c.shape == (16, 6) and np.array_equal(c, im[2:18, 7:13]) and cm.sum() == 40
    m2 = np.zeros((20, 20), bool)
    m2[0:3, 17:20] = True
    c2, _ = roi_crop(im, m2, pad=1.0)  # grows by 3 but clipped at the borders
    assert np.array_equal(c2, im[0:6, 14:20])
    c0, _ = roi_crop(np.dstack([im, im]), m, pad=0)
    assert c0.shape == (10, 4, 2)


def test_roi_crop_empty_mask_choice():
    im = np.ones((6, 7))
    empty = np.zeros((6, 7), bool)
    c, cm = roi_crop(im, empty)
    assert c.shape == (6, 7) and not cm.any()  # default: whole image
    with pytest.raises(ValueError, match="mask is empty"):
        roi_crop(im, empty, empty="error")
    with pytest.raises(ValueError, match="differs"):
        roi_crop(im, np.zeros((5, 7), bool))


def test_to_tensor_batch_scaling_and_channels():
    imgs = [np.full((10, 12), 255, np.uint8), np.full((30, 20), 65535, np.uint16),
            np.full((8, 8, 3), 0.5, np.float32), np.ones((9, 9), bool)]
    t = to_tensor_batch(imgs, 16)
    assert t.shape == (4, 3, 16, 16) and t.dtype == torch.float32
    torch.testing.assert_close(t[:, 0, 0, 0], torch.tensor([1.0, 1.0, 0.5, 1.0]))
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[..., 1] = 255
    assert to_tensor_batch([rgb], 4, channels=1)[0, 0, 0, 0].item() == pytest.approx(1 / 3)
    assert to_tensor_batch([rgb[..., 0]], 4, channels=None).shape == (1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"images\[0\].*\[0, 1\]"):
        to_tensor_batch([np.full((4, 4), 2.0)], 4)
    with pytest.raises(ValueError, match="int16"):
        to_tensor_batch([np.zeros((4, 4), np.int16)], 4)
    with pytest.raises(ValueError, match="different channel counts"):
        to_tensor_batch([rgb, rgb[..., 0]], 4, channels=None)
