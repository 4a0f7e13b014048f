"""Sobel: parity with cv2.Sobel, the summary against a NumPy reference, pinned conventions."""

from __future__ import annotations

import doctest
import importlib

import cv2
import numpy as np
import pytest
from sklearn.base import clone

from features._validation import ImageValidationError
from features.sobel import SobelFeatures, sobel, sobel_feature_names, sobel_features


def _cv2_sobel(image):
    kw = dict(ksize=3, borderType=cv2.BORDER_REFLECT_101)
    return cv2.Sobel(image, cv2.CV_64F, 1, 0, **kw), cv2.Sobel(image, cv2.CV_64F, 0, 1, **kw)


def _random_image(seed, dtype, shape):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "u":
        return rng.integers(0, np.iinfo(dtype).max, shape, endpoint=True).astype(dtype)
    return rng.random(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 7), (6, 1), (2, 2), (3, 3), (17, 23), (64, 49)])
@pytest.mark.parametrize("seed", [0, 1])
def test_parity_with_opencv(seed, shape, dtype):
    image = _random_image(seed, dtype, shape)
    dx, dy = sobel(image)
    rx, ry = _cv2_sobel(image)
    np.testing.assert_allclose(dx, rx, rtol=1e-7, atol=1e-5)
    np.testing.assert_allclose(dy, ry, rtol=1e-7, atol=1e-5)


@pytest.mark.realdata
def test_parity_real_images(busi_image, lgg_slice):
    for image in (busi_image, lgg_slice[0][..., 1]):
        for ours, ref in zip(sobel(image), _cv2_sobel(image)):
            np.testing.assert_allclose(ours, ref, atol=1e-5)


def _reference_features(image, scale, bins=8, pct=(10, 25, 50, 75, 90), threshold=0.25):
    """NumPy/OpenCV reference. Gradients of the raw (integer) values, so directions exactly on a
    sector boundary (e.g. dx == dy) stay exact; ``+1e-9`` sends them to the upper sector, the
    documented rule (``arctan2`` alone may land a hair below the boundary)."""
    dx, dy = _cv2_sobel(image)
    m = np.hypot(dx, dy).ravel() / scale
    theta = np.mod(np.arctan2(dy, dx).ravel(), 2 * np.pi)
    k = np.minimum(np.floor(theta * bins / (2 * np.pi) + 1e-9).astype(int), bins - 1)
    hist = np.bincount(k, weights=m, minlength=bins)
    return np.concatenate(([m.mean(), np.std(m, ddof=0)], np.percentile(m, pct), [np.mean(m > threshold)], hist / hist.sum()))


@pytest.mark.parametrize("bins", [3, 8, 12])
def test_features_match_numpy_reference(bins):
    image = _random_image(3, np.uint8, (45, 52))
    ours = sobel_features(image, bins=bins)
    np.testing.assert_allclose(ours, _reference_features(image, 255.0, bins=bins), atol=1e-9)
    assert ours.shape == (len(sobel_feature_names(bins)),)
    assert ours[-bins:].sum() == pytest.approx(1.0)


@pytest.mark.realdata
def test_features_real_image(busi_image):
    np.testing.assert_allclose(sobel_features(busi_image), _reference_features(busi_image, 255.0), atol=1e-9)


def test_dtype_scaling_rule():
    u8 = _random_image(4, np.uint8, (30, 30))
    ref = sobel_features(u8)
    np.testing.assert_allclose(sobel_features(u8.astype(np.uint16) * 257), ref, atol=1e-12)
    # float pixels: same magnitudes; a direction tie (dx == dy) may round to either sector
    as_float = sobel_features(u8.astype(np.float64) / 255)
    np.testing.assert_allclose(as_float[:8], ref[:8], atol=1e-12)
    np.testing.assert_allclose(as_float[8:], ref[8:], atol=0.01)
    boolean = u8 > 128
    np.testing.assert_allclose(sobel_features(boolean), sobel_features(boolean.astype(np.float64)))


@pytest.mark.parametrize(
    ("image", "expected_bin"),
    [
        (np.tile(np.arange(8.0), (8, 1)), 0),  # grows to the right: theta = 0
        (np.tile(np.arange(8.0), (8, 1)).T, 2),  # grows downwards: theta = pi/2 (clockwise on screen)
        (np.tile(np.arange(8.0)[::-1], (8, 1)), 4),  # grows to the left: theta = pi
        (np.tile(np.arange(8.0)[::-1], (8, 1)).T, 6),  # grows upwards: theta = 3*pi/2
    ],
)
def test_direction_convention(image, expected_bin):
    hist = sobel_features(image / 8, bins=8)[-8:]
    assert hist[expected_bin] == pytest.approx(1.0)


def test_direction_on_boundary_goes_to_upper_bin():
    diagonal = np.add.outer(np.arange(8), np.arange(8)).astype(np.uint8)  # interior: exactly 45 degrees
    hist = sobel_features(diagonal, bins=8)[-8:]
    m = np.hypot(*sobel(diagonal))
    interior = m[1:-1, 1:-1].sum() / m.sum()  # border rows/columns: reflected, axis-aligned
    assert hist[1] == pytest.approx(interior)  # 45 degrees is the start of sector 1, not the end of 0


def test_edge_density_is_strict_and_absolute():
    step = np.zeros((6, 8))
    step[:, 4:] = 1 / 16  # magnitude exactly 4 * 1/16 = 0.25 on columns 3 and 4
    names = sobel_feature_names()
    at = dict(zip(names, sobel_features(step, edge_threshold=0.25)))
    assert at["sobel_edge_density"] == 0.0  # m > threshold, not >=
    at = dict(zip(names, sobel_features(step, edge_threshold=0.2499)))
    assert at["sobel_edge_density"] == pytest.approx(2 / 8)


def test_constant_image_all_zero():
    out = sobel_features(np.full((9, 9), 200, dtype=np.uint8))
    assert np.isfinite(out).all() and not out.any()


@pytest.mark.parametrize(
    ("image", "kwargs", "match"),
    [
        (np.array([[0.0, np.nan], [1.0, 2.0]]), {}, "NaN"),
        (np.zeros((4, 4), dtype=complex), {}, "dtype"),
        (np.zeros((2, 4, 4, 1)), {}, "dimensions"),
        (np.zeros((0, 4)), {}, "empty"),
        (np.zeros((4, 4)), {"bins": 0}, "bins"),
        (np.zeros((4, 4)), {"percentiles": (50, 101)}, "percentiles"),
        (np.zeros((4, 4)), {"edge_threshold": np.inf}, "edge_threshold"),
    ],
)
def test_bad_input(image, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sobel_features(image, **kwargs)


def test_sobel_rejects_3d():
    with pytest.raises(ImageValidationError, match="2-D"):
        sobel(np.zeros((4, 4, 3)))


def test_transformer():
    rng = np.random.default_rng(5)
    ims = [rng.integers(0, 256, (20, 31), dtype=np.uint8), rng.random((26, 18)), rng.integers(0, 256, (15, 15, 3), dtype=np.uint8)]
    t = SobelFeatures(bins=6, percentiles=(50,))
    assert t.fit(ims) is t
    X = t.transform(ims)
    assert X.shape == (3, len(t.get_feature_names_out())) == (3, 2 + 1 + 1 + 6)
    np.testing.assert_allclose(X[0], sobel_features(ims[0], bins=6, percentiles=(50,)))
    c = clone(t).set_params(bins=4)
    assert c.get_params()["bins"] == 4 and c.fit(ims).transform(ims).shape[1] == 8


def test_doctests():
    assert doctest.testmod(importlib.import_module("features.sobel")).failed == 0


@pytest.mark.parametrize("seed", range(5))
def test_percentiles_equal_numpy_exactly(seed):
    from features.sobel import _percentiles

    rng = np.random.default_rng(seed)
    values = rng.random(int(rng.integers(1, 400)))
    if seed % 2:
        values = np.round(values * 5)  # many ties
    q = np.concatenate((rng.random(5) * 100, [0, 50, 100]))
    np.testing.assert_array_equal(_percentiles(values, q), np.percentile(values, q))
