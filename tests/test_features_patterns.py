"""MVM-LBP and MVMBP against plain NumPy references; pinned definitions, masks, bad input."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import features.patterns
from features._validation import ImageValidationError
from features.patterns import (
    MVMBPFeatures,
    MVMLBPFeatures,
    mvm_lbp,
    mvm_lbp_histogram,
    mvmbp,
    mvmbp_histogram,
)

# (row, col) steps of neighbours k = 0..7: east, then counter-clockwise on screen.
STEPS = [(0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1)]


def ref_mvm_lbp(image, R=1, ddof=0):
    img = np.asarray(image, dtype=np.float64)
    win = sliding_window_view(img, (2 * R + 1, 2 * R + 1))
    T = (win.mean(axis=(-2, -1)) + win.std(axis=(-2, -1), ddof=ddof) + np.median(win, axis=(-2, -1))) / 3
    H, W = img.shape
    code = np.zeros(T.shape, dtype=int)
    for k, (a, b) in enumerate(STEPS):
        neighbour = img[R + a * R : H - R + a * R, R + b * R : W - R + b * R]
        code |= (neighbour >= T).astype(int) << k
    return code


def ref_mvmbp(image):
    img = np.asarray(image, dtype=np.float64)
    win = sliding_window_view(img, (3, 3))
    mean = win.mean(axis=(-2, -1))
    code = np.zeros(mean.shape, dtype=int)
    for k, (a, b) in enumerate(STEPS + [(0, 0)]):  # bit 8 = centre
        code |= (win[..., 1 + a, 1 + b] > mean).astype(int) << k
    return code


def riu2(code):
    bits = [(code >> i) & 1 for i in range(8)]
    transitions = sum(bits[i] != bits[(i + 1) % 8] for i in range(8))
    return sum(bits) if transitions <= 2 else 9


def u2(code):
    bits = [(code >> i) & 1 for i in range(8)]
    transitions = sum(bits[i] != bits[(i + 1) % 8] for i in range(8))
    n = sum(bits)
    if transitions > 2:
        return 58
    if n in (0, 8):
        return 0 if n == 0 else 57
    v, rot = (1 << n) - 1, 0
    while v != code:
        v, rot = (v >> 1) | ((v & 1) << 7), rot + 1
    return 1 + (n - 1) * 8 + rot


RNG = np.random.default_rng(11)
RANDOM = {
    "uint8": RNG.integers(0, 256, (33, 41)).astype(np.uint8),
    "float": RNG.random((30, 28)),
    "ties": RNG.integers(0, 3, (32, 32)).astype(np.uint8),
    "uint16": RNG.integers(0, 65536, (25, 27)).astype(np.uint16),
}


@pytest.mark.parametrize("kind", sorted(RANDOM))
@pytest.mark.parametrize("R", [1, 2, 3])
def test_mvm_lbp_equals_reference_random(kind, R):
    np.testing.assert_array_equal(mvm_lbp(RANDOM[kind], R), ref_mvm_lbp(RANDOM[kind], R))


@pytest.mark.parametrize("kind", sorted(RANDOM))
def test_mvmbp_equals_reference_random(kind):
    np.testing.assert_array_equal(mvmbp(RANDOM[kind]), ref_mvmbp(RANDOM[kind]))


@pytest.mark.realdata
def test_equal_reference_on_real_images(busi_image, lgg_slice):
    for image in (busi_image, lgg_slice[0][..., 1]):
        for R in (1, 2):
            np.testing.assert_array_equal(mvm_lbp(image, R), ref_mvm_lbp(image, R))
        np.testing.assert_array_equal(mvmbp(image), ref_mvmbp(image))


def test_mvm_lbp_uses_population_std():
    image = RANDOM["uint8"]
    assert not np.array_equal(ref_mvm_lbp(image, ddof=0), ref_mvm_lbp(image, ddof=1))  # the choice matters
    np.testing.assert_array_equal(mvm_lbp(image), ref_mvm_lbp(image, ddof=0))


def test_mvm_lbp_definition_by_hand():
    image = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.uint8)
    T = (5 + np.sqrt(60 / 9) + 5) / 3  # mean, std (ddof=0), median
    expected = sum(1 << k for k, (a, b) in enumerate(STEPS) if image[1 + a, 1 + b] >= T)
    assert expected == 1 + 32 + 64 + 128  # east, south-west, south, south-east
    assert mvm_lbp(image)[0, 0] == expected


def test_mvm_lbp_ge_and_constant_images():
    assert np.all(mvm_lbp(np.zeros((5, 5))) == 255)  # T = 0 and 0 >= 0
    assert np.all(mvm_lbp(np.full((6, 5), 200, np.uint8), R=2) == 255)  # T = 2c/3 <= c
    assert np.all(mvm_lbp(np.full((5, 5), -4.0)) == 0)  # T = 2c/3 > c for c < 0
    h = mvm_lbp_histogram(np.full((8, 8), 0.3))
    assert h[255] == 1.0 and h.sum() == 1.0


def test_mvm_lbp_mappings():
    image = RANDOM["uint8"]
    codes = mvm_lbp(image)
    np.testing.assert_array_equal(mvm_lbp(image, method="uniform"), np.vectorize(riu2)(codes))
    np.testing.assert_array_equal(mvm_lbp(image, method="nri_uniform"), np.vectorize(u2)(codes))
    assert mvm_lbp_histogram(image, method="uniform").shape == (10,)
    assert mvm_lbp_histogram(image, method="nri_uniform").shape == (59,)


def test_mvmbp_strict_greater_and_bit_order():
    image = np.array([[0, 1, 2], [0, 1, 2], [0, 1, 2]], dtype=np.uint8)  # mean 1
    # pixels equal to the mean (north, centre, south) do not set their bit: east, NE, SE do
    assert mvmbp(image)[0, 0] == (1 << 0) + (1 << 1) + (1 << 7)
    spike = np.zeros((3, 3))
    spike[1, 1] = 9
    assert mvmbp(spike)[0, 0] == 1 << 8  # bit 8 is the centre


def test_mvmbp_constant_images_give_zero_even_for_inexact_floats():
    for value in (0.1, 1 / 3, 7.0, -2.2):
        image = np.full((6, 7), value)
        assert np.all(mvmbp(image) == 0)
        assert mvmbp_histogram(image)[0] == 1.0


def test_valid_region_shape_and_alignment():
    image = RANDOM["uint8"]
    assert mvm_lbp(image, 3).shape == (33 - 6, 41 - 6)
    assert mvmbp(image).shape == (31, 39)
    assert mvm_lbp(image).dtype == np.uint8 and mvmbp(image).dtype == np.uint16


@pytest.mark.parametrize("R", [1, 2])
def test_histograms_equal_bincount_with_and_without_mask(R):
    image = RANDOM["ties"]
    codes = ref_mvm_lbp(image, R)
    np.testing.assert_array_equal(mvm_lbp_histogram(image, R), np.bincount(codes.ravel(), minlength=256) / codes.size)
    mask = np.zeros(image.shape, bool)
    mask[: image.shape[0] // 2, 4:] = True  # includes border rows where the window does not fit
    inner = mask[R:-R, R:-R]  # centres whose window fits
    np.testing.assert_array_equal(
        mvm_lbp_histogram(image, R, mask=mask), np.bincount(codes[inner], minlength=256) / inner.sum()
    )
    b = ref_mvmbp(image)
    np.testing.assert_array_equal(
        mvmbp_histogram(image, mask=mask), np.bincount(b[mask[1:-1, 1:-1]], minlength=512) / mask[1:-1, 1:-1].sum()
    )


def test_mask_rules_and_bins():
    image = RANDOM["uint8"]
    border_only = np.zeros(image.shape, bool)
    border_only[0, :] = True
    for fn in (mvm_lbp_histogram, mvmbp_histogram):
        with pytest.raises(ImageValidationError, match="mask selects no pixel"):
            fn(image, mask=border_only)
        with pytest.raises(ImageValidationError, match="mask shape"):
            fn(image, mask=np.ones((4, 4)))
    assert mvmbp_histogram(image, n_bins=600).shape == (600,)
    with pytest.raises(ValueError, match="n_bins"):
        mvm_lbp_histogram(image, n_bins=100)


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: mvm_lbp(np.ones((4, 4)), R=2), ImageValidationError, "5x5"),
        (lambda: mvmbp(np.ones((2, 8))), ImageValidationError, "3x3"),
        (lambda: mvm_lbp(np.full((5, 5), np.inf)), ImageValidationError, "NaN or infinite"),
        (lambda: mvmbp(np.array([["a"] * 3] * 3)), ImageValidationError, "dtype"),
        (lambda: mvm_lbp(np.ones((5, 5)), R=0), ValueError, "R must be"),
        (lambda: mvm_lbp(np.ones((5, 5)), R=1.5), ValueError, "R must be"),
        (lambda: mvm_lbp(np.ones((5, 5)), method="ror"), ValueError, "method must be one of"),
        (lambda: mvmbp_histogram(np.ones((5, 5, 2))), ImageValidationError, "channel"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_transformers():
    images = [RANDOM["uint8"], np.dstack([RANDOM["float"]] * 3)]
    est = MVMLBPFeatures(R=2, method="uniform")
    X = est.fit_transform(images)
    assert X.shape == (2, 10)
    assert list(est.get_feature_names_out()[:2]) == ["mvm_lbp_R2_riu2_0", "mvm_lbp_R2_riu2_1"]
    np.testing.assert_array_equal(X[1], mvm_lbp_histogram(RANDOM["float"], 2, "uniform"))
    est = MVMBPFeatures(channel=0)
    X = est.fit_transform(images)
    assert X.shape == (2, 512) and est.get_feature_names_out()[-1] == "mvmbp_511"
    np.testing.assert_allclose(X.sum(axis=1), 1.0)
    np.testing.assert_array_equal(X[0], mvmbp_histogram(RANDOM["uint8"]))
    assert MVMLBPFeatures().fit([RANDOM["uint8"]]).get_feature_names_out()[255] == "mvm_lbp_R1_def_255"


def test_doctests():
    assert doctest.testmod(features.patterns, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0
