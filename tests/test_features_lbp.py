"""LBP: bit-for-bit parity with scikit-image, pinned definitions, histograms, masks, bad input."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from skimage.feature import local_binary_pattern as sk_lbp

import features.histograms
import features.lbp
from features._kernels import lbp as klbp
from features._validation import ImageValidationError
from features.lbp import LBPFeatures, lbp_histogram, local_binary_pattern, multiscale_lbp_histogram, n_lbp_codes

METHODS = ["default", "ror", "uniform", "nri_uniform", "var"]
SCALES = [(4, 1), (8, 1), (8, 2), (16, 2), (24, 3), (8, 1.5), (12, 2.7), (5, 0.7), (1, 1)]


def skimage_lbp(image, P, R, method):
    with warnings.catch_warnings():  # skimage warns on float input
        warnings.simplefilter("ignore")
        return sk_lbp(image, P, R, method)


def _images():
    rng = np.random.default_rng(7)
    return {
        "uint8": rng.integers(0, 256, (31, 37)).astype(np.uint8),
        "float": rng.random((29, 33)),
        "ties": (rng.integers(0, 3, (30, 30)) * 40).astype(np.uint8),  # many equal neighbours
        "int16": rng.integers(-300, 300, (20, 24)).astype(np.int16),
    }


IMAGES = _images()


@pytest.mark.parametrize("kind", sorted(IMAGES))
@pytest.mark.parametrize("P,R", SCALES)
@pytest.mark.parametrize("method", METHODS)
def test_codes_equal_skimage_random(kind, P, R, method):
    image = IMAGES[kind]
    np.testing.assert_array_equal(local_binary_pattern(image, P, R, method), skimage_lbp(image, P, R, method))


@pytest.mark.realdata
@pytest.mark.parametrize("P,R", [(8, 1), (16, 2), (24, 3), (8, 2.5)])
@pytest.mark.parametrize("method", METHODS)
def test_codes_equal_skimage_real(busi_image, lgg_slice, P, R, method):
    lgg_flair = lgg_slice[0][..., 1]
    for image in (busi_image[:160, :200], lgg_flair):
        np.testing.assert_array_equal(local_binary_pattern(image, P, R, method), skimage_lbp(image, P, R, method))


def test_radius_used_in_float64():
    # For this R, offsets rounded to 5 decimals differ between float32(R) and float64(R).
    R = 4.214695160271001
    image = np.random.default_rng(1).random((40, 40))
    np.testing.assert_array_equal(local_binary_pattern(image, 8, R, "var"), skimage_lbp(image, 8, R, "var"))


def test_neighbour_order_east_then_counter_clockwise():
    image = np.zeros((5, 5))
    image[2, 2] = 5
    image[1, 2] = 9  # the pixel above the centre (north)
    # P=4: i=0 east, i=1 north, i=2 west, i=3 south -> only bit 1.
    assert local_binary_pattern(image, 4, 1)[2, 2] == 2
    image[1, 2], image[2, 3] = 0, 9  # east
    assert local_binary_pattern(image, 4, 1)[2, 2] == 1


def test_greater_or_equal_and_zero_padding():
    image = np.full((7, 7), 7, dtype=np.uint8)
    codes = local_binary_pattern(image, 8, 1)
    assert np.all(codes[1:-1, 1:-1] == 255)  # equal neighbours set their bit (>=)
    assert codes[0, 3] != 255  # the row above the image reads as 0 < 7
    uniform = local_binary_pattern(image, 8, 1, "uniform")
    assert np.all(uniform[1:-1, 1:-1] == 8)


def _pattern_image(bits):
    """5x5 image whose centre (value 5) sees the P=4, R=1 pattern ``bits`` (no interpolation)."""
    image = np.full((5, 5), 0.0)
    image[2, 2] = 5
    for (r, c), b in zip([(2, 3), (1, 2), (2, 1), (3, 2)], bits):
        image[r, c] = 9 if b else 1
    return image


def test_uniform_is_riu2_and_nri_uniform_is_u2():
    non_uniform = _pattern_image([1, 0, 1, 0])  # 4 circular transitions
    assert local_binary_pattern(non_uniform, 4, 1, "uniform")[2, 2] == 4 + 1
    assert local_binary_pattern(non_uniform, 4, 1, "nri_uniform")[2, 2] == 4 * 3 + 2
    rotated = [_pattern_image(b) for b in ([1, 1, 0, 0], [0, 1, 1, 0])]
    riu2 = [local_binary_pattern(im, 4, 1, "uniform")[2, 2] for im in rotated]
    u2 = [local_binary_pattern(im, 4, 1, "nri_uniform")[2, 2] for im in rotated]
    assert riu2 == [2, 2]  # rotation invariant: number of ones
    assert u2[0] != u2[1]  # not rotation invariant
    assert local_binary_pattern(rotated[1], 4, 1, "ror")[2, 2] == 3  # min rotation of 0b0110


def _reference_map(code, P, method):
    """Independent statement of skimage's code definitions, by enumeration."""
    bits = [(code >> i) & 1 for i in range(P)]
    circular = sum(bits[i] != bits[(i + 1) % P] for i in range(P))
    n_ones = sum(bits)
    if method == "ror":
        rotations, v = [], code
        for _ in range(P):
            rotations.append(v)
            v = (v >> 1) | ((v & 1) << (P - 1))
        return min(rotations)
    if method == "uniform":
        return n_ones if circular <= 2 else P + 1
    # nri_uniform
    if circular > 2:
        return P * (P - 1) + 2
    if n_ones in (0, P):
        return 0 if n_ones == 0 else P * (P - 1) + 1
    v, rot = (1 << n_ones) - 1, 0  # ones stacked at the low bits, rotated right until equal
    while v != code:
        v, rot = (v >> 1) | ((v & 1) << (P - 1)), rot + 1
    return 1 + (n_ones - 1) * P + rot


@pytest.mark.parametrize("P", [3, 4, 8, 10])
@pytest.mark.parametrize("method", ["ror", "uniform", "nri_uniform"])
def test_pattern_mapping_matches_definitions(P, method):
    m = {"ror": klbp.ROR, "uniform": klbp.UNIFORM, "nri_uniform": klbp.NRI_UNIFORM}[method]
    lut = klbp.pattern_lut(P, m)
    expected = [_reference_map(code, P, method) for code in range(1 << P)]
    np.testing.assert_array_equal(lut, expected)
    if method != "ror" and P >= 4:  # with P = 3 every pattern is uniform
        assert lut.max() == n_lbp_codes(P, method) - 1
        assert len(np.unique(lut)) == n_lbp_codes(P, method)


def test_large_P_direct_mapping_equals_skimage():
    image = IMAGES["uint8"]
    for method in ("uniform", "nri_uniform"):
        h = lbp_histogram(image, 24, 3, method)
        codes = skimage_lbp(image, 24, 3, method).astype(int)
        np.testing.assert_allclose(h, np.bincount(codes.ravel(), minlength=n_lbp_codes(24, method)) / codes.size)


def test_var_is_population_variance_and_nan_when_flat():
    image = np.array([[0, 2, 0], [4, 3, 6], [0, 8, 0]], dtype=float)
    neighbours = [6, 2, 4, 8]  # east, north, west, south of the centre (P=4, R=1)
    assert local_binary_pattern(image, 4, 1, "var")[1, 1] == pytest.approx(np.var(neighbours, ddof=0))
    assert np.isnan(local_binary_pattern(np.ones((5, 5)), 4, 1, "var")[2, 2])


@pytest.mark.parametrize("P,R,method", [(8, 1, "uniform"), (8, 1, "default"), (16, 2, "nri_uniform"), (8, 1.5, "ror")])
def test_histogram_equals_bincount_of_codes(P, R, method):
    image = IMAGES["ties"]
    h = lbp_histogram(image, P, R, method)
    codes = skimage_lbp(image, P, R, method).astype(int).ravel()
    np.testing.assert_array_equal(h, np.bincount(codes, minlength=n_lbp_codes(P, method)) / codes.size)
    assert h.sum() == pytest.approx(1.0)


def test_histogram_mask_counts_only_roi_centres():
    image = IMAGES["uint8"]
    mask = np.zeros(image.shape, bool)
    mask[5:20, 3:30] = True
    mask[0, :] = True  # border pixels count too when selected
    h = lbp_histogram(image, 8, 1, "uniform", mask=mask)
    codes = skimage_lbp(image, 8, 1, "uniform").astype(int)[mask]
    np.testing.assert_array_equal(h, np.bincount(codes, minlength=10) / codes.size)
    # neighbours outside the mask are still read: the masked histogram differs from
    # the histogram of the masked-out image cropped to the ROI
    assert not np.array_equal(h, lbp_histogram(np.where(mask, image, 0), 8, 1, "uniform", mask=mask))


def test_histogram_mask_errors():
    image = IMAGES["uint8"]
    with pytest.raises(ImageValidationError, match="mask selects no pixel"):
        lbp_histogram(image, mask=np.zeros(image.shape, bool))
    with pytest.raises(ImageValidationError, match="mask shape"):
        lbp_histogram(image, mask=np.ones((3, 3), bool))


def test_histogram_bins_and_rejected_methods():
    image = IMAGES["uint8"]
    assert lbp_histogram(image, 8, 1, "nri_uniform").shape == (59,)
    padded = lbp_histogram(image, 8, 1, "uniform", n_bins=16)
    assert padded.shape == (16,) and np.all(padded[10:] == 0)
    np.testing.assert_array_equal(padded[:10], lbp_histogram(image))
    with pytest.raises(ValueError, match="n_bins"):
        lbp_histogram(image, n_bins=5)
    with pytest.raises(ValueError, match="method"):
        lbp_histogram(image, method="var")
    with pytest.raises(ValueError, match="2\\*\\*24 bins"):
        lbp_histogram(image, 24, 3, "default")


def test_constant_image_histogram_is_one_hot():
    h = lbp_histogram(np.zeros((9, 9), np.uint8), 8, 1, "uniform")
    assert h[8] == 1.0 and h.sum() == 1.0  # 0 >= 0 everywhere, padding included
    h = lbp_histogram(np.full((9, 9), 3.5), 8, 1, "uniform", mask=np.pad(np.ones((7, 7), bool), 1))
    assert h[8] == 1.0  # interior of any constant image


def test_multiscale_concatenates_normalised_blocks():
    image = IMAGES["uint8"]
    h = multiscale_lbp_histogram(image)
    assert h.shape == (10 + 18 + 26,)
    parts = [lbp_histogram(image, P, R) for P, R in ((8, 1), (16, 2), (24, 3))]
    np.testing.assert_array_equal(h, np.concatenate(parts))
    with pytest.raises(ValueError, match="scales"):
        multiscale_lbp_histogram(image, scales=[(8, 1, 2)])


@pytest.mark.parametrize(
    "image,kwargs,exc,match",
    [
        (np.full((5, 5), np.nan), {}, ImageValidationError, "NaN"),
        (np.ones((5, 5), complex), {}, ImageValidationError, "dtype"),
        (np.ones((5, 5, 3)), {}, ImageValidationError, "channel"),
        (np.ones((2, 9)), {}, ImageValidationError, "smaller than the LBP window"),
        (np.ones((6, 6)), {"R": 3}, ImageValidationError, "7x7"),
        (np.ones((5, 5)), {"P": 0}, ValueError, "P must be"),
        (np.ones((5, 5)), {"P": 32}, ValueError, "P must be"),
        (np.ones((5, 5)), {"R": 0}, ValueError, "R must be"),
        (np.ones((5, 5)), {"R": float("nan")}, ValueError, "R must be"),
        (np.ones((5, 5)), {"method": "riu2"}, ValueError, "method must be one of"),
    ],
)
def test_bad_input_names_the_argument(image, kwargs, exc, match):
    args = {"P": 8, "R": 1, "method": "default"} | kwargs
    with pytest.raises(exc, match=match):
        local_binary_pattern(image, **args)


def test_transformer_names_shapes_and_values():
    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, (20, 25)).astype(np.uint8), rng.integers(0, 256, (32, 30, 3)).astype(np.uint8)]
    est = LBPFeatures(scales=((8, 1), (16, 2.5)))
    X = est.fit_transform(images)
    names = est.get_feature_names_out()
    assert X.shape == (2, 10 + 18) and len(names) == 28
    assert names[3] == "lbp_P8R1_riu2_3" and names[10] == "lbp_P16R2.5_riu2_0"
    np.testing.assert_allclose(X.sum(axis=1), 2.0)
    np.testing.assert_array_equal(X[0, :10], lbp_histogram(images[0], 8, 1))
    # default for colour images: mean over channels rounded back to uint8 (features._prepare.to_grey)
    np.testing.assert_array_equal(X[1, :10], lbp_histogram(np.rint(images[1].mean(axis=-1)).astype(np.uint8), 8, 1))
    X1 = clone(est).set_params(channel=1).fit_transform(images)
    np.testing.assert_array_equal(X1[1, :10], lbp_histogram(images[1][..., 1], 8, 1))
    assert LBPFeatures(scales=((8, 1),), method="nri_uniform").fit([images[0]]).get_feature_names_out()[0] == (
        "lbp_P8R1_u2_0"
    )


def test_transformer_rejects_var_and_names_failing_image():
    with pytest.raises(ValueError, match="method"):
        LBPFeatures(method="var").fit([np.ones((9, 9))])
    est = LBPFeatures().fit([np.ones((9, 9))])
    with pytest.raises(ValueError, match=r"images\[1\]"):
        est.transform([np.ones((9, 9)), np.full((9, 9), np.nan)])


@pytest.mark.parametrize("module", [features.lbp, features.histograms])
def test_doctests(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
