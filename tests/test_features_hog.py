"""HOG: parity with skimage.feature.hog, pinned binning rules, bad input, transformer rules."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from skimage.feature import hog as sk_hog
from sklearn.base import clone

from features._validation import ImageValidationError
from features.hog import HOGFeatures, hog, hog_shape

TOL = 1e-6
NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")
GEOMETRIES = [  # orientations, pixels_per_cell, cells_per_block
    (9, (8, 8), (3, 3)),
    (4, (5, 7), (2, 3)),  # 4 bins: 45/90/135 degree boundaries are hit by integer gradients
    (7, (6, 4), (1, 2)),
    (12, (3, 3), (2, 1)),
]


def _random_image(seed: int, dtype, shape) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "u":
        return rng.integers(0, np.iinfo(dtype).max, shape, endpoint=True).astype(dtype)
    return rng.random(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_parity_random_images(seed, dtype):
    rng = np.random.default_rng(100 + seed)
    shape = (int(rng.integers(24, 70)), int(rng.integers(24, 70)))  # odd sizes included
    image = _random_image(seed, dtype, shape)
    for orientations, ppc, cpb in GEOMETRIES:
        for norm in NORMS:
            for sqrt in (False, True):
                ref = sk_hog(image, orientations, ppc, cpb, norm, transform_sqrt=sqrt, feature_vector=False)
                ours = hog(image, orientations, ppc, cpb, norm, transform_sqrt=sqrt, feature_vector=False)
                assert ours.shape == ref.shape
                np.testing.assert_allclose(ours, ref, rtol=0, atol=TOL, err_msg=f"{orientations} {ppc} {cpb} {norm} {sqrt}")
                assert ours.dtype == np.float64


@pytest.mark.parametrize("orientations", [2, 4, 8, 9])
def test_parity_on_bin_boundaries(orientations):
    """Small integer images make gradients lie exactly on bin edges (0, 45, 90, 135 degrees):
    the >= / < comparisons and the 180-degree wrap must match skimage exactly."""
    image = np.random.default_rng(7).integers(0, 3, (41, 37)).astype(np.uint8)
    ref = sk_hog(image, orientations, (4, 4), (2, 2), "L1")
    np.testing.assert_allclose(hog(image, orientations, (4, 4), (2, 2), "L1"), ref, rtol=0, atol=1e-12)


def test_feature_vector_is_ravel_of_array():
    image = _random_image(3, np.uint8, (40, 48))
    full = hog(image, feature_vector=False)
    assert full.shape == hog_shape(image.shape)
    np.testing.assert_array_equal(hog(image), full.ravel())


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("channel_axis", [-1, 0])
def test_parity_multichannel(dtype, channel_axis):
    image = _random_image(4, dtype, (3, 45, 50) if channel_axis == 0 else (45, 50, 3))
    ref = sk_hog(image, channel_axis=channel_axis)
    np.testing.assert_allclose(hog(image, channel_axis=channel_axis), ref, rtol=0, atol=TOL)


def test_multichannel_uses_channel_with_largest_gradient():
    grey = _random_image(5, np.float64, (32, 32))
    stack = np.stack([grey * 0.5, grey, grey * 0.25], axis=-1)  # channel 1 always dominates
    np.testing.assert_allclose(hog(stack, channel_axis=-1), hog(grey), atol=1e-12)


@pytest.mark.realdata
def test_parity_busi(busi_image):
    for norm in ("L1-sqrt", "L2-Hys"):
        np.testing.assert_allclose(hog(busi_image, block_norm=norm), sk_hog(busi_image, block_norm=norm), atol=TOL)


@pytest.mark.realdata
def test_parity_lgg(lgg_slice):
    image, _ = lgg_slice
    np.testing.assert_allclose(hog(image, channel_axis=-1), sk_hog(image, channel_axis=-1), atol=TOL)
    np.testing.assert_allclose(hog(image[..., 1], transform_sqrt=True), sk_hog(image[..., 1], transform_sqrt=True), atol=TOL)


@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
def test_constant_image_gives_zeros(dtype):
    out = hog(np.full((32, 40), 7, dtype=dtype))
    assert np.isfinite(out).all() and not out.any()


def test_too_small_image_names_block():
    with pytest.raises(ImageValidationError, match="smaller than one HOG block"):
        hog(np.zeros((20, 30)), pixels_per_cell=(8, 8), cells_per_block=(3, 3))
    hog(np.zeros((24, 24)))  # exactly one block is fine


@pytest.mark.parametrize(
    ("image", "kwargs", "match"),
    [
        (np.full((32, 32), np.nan), {}, "NaN"),
        (np.zeros((32, 32), dtype=complex), {}, "dtype"),
        (np.zeros((2, 32, 32, 3)), {}, "dimensions"),
        (np.zeros((32, 32, 3)), {}, "2-D"),
        (np.zeros((32, 32)), {"channel_axis": -1}, "3-D"),
        (np.zeros((32, 32)), {"block_norm": "L3"}, "block_norm"),
        (np.zeros((32, 32)), {"pixels_per_cell": (8,)}, "pixels_per_cell"),
        (np.zeros((32, 32)), {"orientations": 0}, "orientations"),
        (-np.ones((32, 32)), {"transform_sqrt": True}, "negative"),
    ],
)
def test_bad_input(image, kwargs, match):
    with pytest.raises(ValueError, match=match):
        hog(image, **kwargs)


def test_transformer_resizes_and_names():
    rng = np.random.default_rng(0)
    ims = [rng.integers(0, 256, s, dtype=np.uint8) for s in [(50, 70), (64, 64), (33, 90)]]
    t = HOGFeatures(image_size=32, cells_per_block=(2, 2))
    assert t.fit(ims) is t
    X = t.transform(ims)
    names = t.get_feature_names_out()
    assert X.shape == (3, len(names)) == (3, int(np.prod(hog_shape((32, 32), cells_per_block=(2, 2)))))
    assert names[0] == "hog_0" and names[-1] == f"hog_{len(names) - 1}"
    from features._prepare import resize

    np.testing.assert_allclose(X[2], hog(resize(ims[2], 32), cells_per_block=(2, 2)))
    # an image already of the target size is not resampled
    np.testing.assert_allclose(
        HOGFeatures(image_size=64, cells_per_block=(2, 2)).fit(ims).transform([ims[1]])[0],
        hog(ims[1], cells_per_block=(2, 2)),
    )


def test_transformer_sklearn_rules():
    t = HOGFeatures(orientations=6, image_size=48)
    params = t.get_params()
    assert params["orientations"] == 6 and params["image_size"] == 48
    c = clone(t)
    assert c.get_params() == params and not hasattr(c, "n_features_out_")
    c.set_params(orientations=8)
    assert c.orientations == 8
    ims = [np.random.default_rng(1).random((60, 60))]
    assert c.fit(ims).transform(ims).shape[1] == len(c.get_feature_names_out())


def test_transformer_channel_rule():
    rgb = np.random.default_rng(2).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    t = HOGFeatures(image_size=40, channel=1).fit([rgb])
    np.testing.assert_allclose(t.transform([rgb])[0], hog(rgb[..., 1]))
    mean = np.rint(rgb.mean(axis=-1)).astype(np.uint8)
    np.testing.assert_allclose(HOGFeatures(image_size=40).fit([rgb]).transform([rgb])[0], hog(mean))


def test_doctests():
    module = importlib.import_module("features.hog")
    assert doctest.testmod(module, raise_on_error=False).failed == 0
    assert doctest.testmod(importlib.import_module("features._prepare")).failed == 0


def test_parity_near_the_180_degree_wrap():
    """Row gradients tiny against column gradients: skimage's o rounds to 180 -> wraps to 0."""
    cols = np.tile(np.array([0.0, 1.0, 0.0, -1.0]), (24, 8))[:, :32]
    rows = np.arange(24, dtype=np.float64)[:, None] * 1e-17
    image = cols + rows * np.array([1.0, -1.0])[np.arange(32) % 2]
    for norm in ("L1", "L2"):
        np.testing.assert_allclose(hog(image, 9, (4, 4), (2, 2), norm), sk_hog(image, 9, (4, 4), (2, 2), norm), atol=1e-12)


def test_skimage_positional_visualize_slot_is_rejected():
    """skimage's 6th positional argument is ``visualize``; ours are keyword-only from there."""
    with pytest.raises(TypeError):
        hog(np.zeros((32, 32)), 9, (8, 8), (3, 3), "L2-Hys", False)
