"""GLCM, graycoprops, Haralick and quantisation: parity with skimage / mahotas / NumPy references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from features._validation import ImageValidationError
from features.glcm import (
    GLCM_PROPS,
    GLCMFeatures,
    glcm_feature_names,
    glcm_features,
    glcm_props,
    graycomatrix,
    graycoprops,
    haralick,
    haralick_labels,
)
from features.quantize import quantize, quantize_bin_width, quantize_levels

skfeature = pytest.importorskip("skimage.feature")
mahotas = pytest.importorskip("mahotas")

ANGLES4 = [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.fixture(scope="module")
def busi(busi_image):
    """Writable copy of the real BUSI image (skimage's Cython loop rejects read-only buffers)."""
    return np.array(busi_image)


def _assert_mahotas_close(ours: np.ndarray, ref: np.ndarray) -> None:
    """Within 1e-6, relative for values above 1."""
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)


def _numpy_glcm(img, dr, dc, levels, mask=None, symmetric=False):
    """Plain NumPy reference: pairs (img[r, c], img[r+dr, c+dc]), both pixels in mask."""
    h, w = img.shape
    r0, r1 = max(0, -dr), min(h, h - dr)
    c0, c1 = max(0, -dc), min(w, w - dc)
    a = img[r0:r1, c0:c1]
    b = img[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
    sel = np.ones(a.shape, bool)
    if mask is not None:
        sel = mask[r0:r1, c0:c1] & mask[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
    P = np.zeros((levels, levels), np.int64)
    np.add.at(P, (a[sel].astype(np.intp), b[sel].astype(np.intp)), 1)
    return P + P.T if symmetric else P


# --------------------------------------------------------------------------- graycomatrix


@pytest.mark.parametrize("levels", [2, 7, 32, 256])
@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("normed", [False, True])
def test_graycomatrix_matches_skimage_random(levels, symmetric, normed):
    img = _rng(levels).integers(0, levels, (37, 29)).astype(np.uint8)
    distances = [1, 2, 3.5, 5]
    angles = [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4, np.pi, 1.0, -0.3, 2 * np.pi / 3]
    ref = skfeature.graycomatrix(img, distances, angles, levels=levels, symmetric=symmetric, normed=normed)
    ours = graycomatrix(img, distances, angles, levels=levels, symmetric=symmetric, normed=normed)
    assert ours.shape == ref.shape == (levels, levels, len(distances), len(angles))
    assert ours.dtype == ref.dtype == (np.float64 if normed else np.uint32)
    if normed:
        np.testing.assert_allclose(ours, ref, rtol=1e-15, atol=0)
    else:
        np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize("dtype", [np.uint16, np.int32, np.int64, np.int8])
def test_graycomatrix_matches_skimage_other_dtypes(dtype):
    levels = 100 if dtype == np.int8 else 1000
    img = _rng(3).integers(0, levels, (40, 33)).astype(dtype)
    ref = skfeature.graycomatrix(img, [1, 2], ANGLES4, levels=levels, symmetric=True)
    np.testing.assert_array_equal(graycomatrix(img, [1, 2], ANGLES4, levels=levels, symmetric=True), ref)


def test_graycomatrix_default_levels_uint8():
    img = _rng(1).integers(0, 256, (20, 21)).astype(np.uint8)
    np.testing.assert_array_equal(graycomatrix(img, [1], [0]), skfeature.graycomatrix(img, [1], [0]))


def test_graycomatrix_matches_skimage_busi(busi):
    ref = skfeature.graycomatrix(busi, [1, 3], ANGLES4, levels=256, symmetric=True)
    ours = graycomatrix(busi, [1, 3], ANGLES4, levels=256, symmetric=True)
    np.testing.assert_array_equal(ours, ref)


def test_graycomatrix_matches_skimage_lgg(lgg_slice):
    image, _ = lgg_slice
    flair = np.ascontiguousarray(image[..., 1])
    ref = skfeature.graycomatrix(flair, [1, 2], ANGLES4, levels=256)
    np.testing.assert_array_equal(graycomatrix(flair, [1, 2], ANGLES4, levels=256), ref)


def test_angle_direction_pinned():
    """0 = right neighbour, pi/4 = lower right, pi/2 = BELOW (row + d), 3pi/4 = lower left (as skimage 0.26)."""
    expected = {0: (0, 1), 1: (1, 1), 2: (1, 0), 3: (1, -1)}
    for a_idx, angle in enumerate(ANGLES4):
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                if (dr, dc) == (0, 0):
                    continue
                img = np.zeros((5, 5), np.uint8)
                img[2, 2] = 1
                img[2 + dr, 2 + dc] = 2
                P = graycomatrix(img, [1], [angle], levels=3)[:, :, 0, 0]
                assert (P[1, 2] == 1) == ((dr, dc) == expected[a_idx]), (angle, dr, dc)
                assert P[1, 2] == skfeature.graycomatrix(img, [1], [angle], levels=3)[1, 2, 0, 0]
    # distance 2 along pi/2: two rows down; skimage rounds sin/cos * d half away from zero
    img = np.zeros((5, 5), np.uint8)
    img[0, 0], img[2, 0] = 1, 2
    assert graycomatrix(img, [2], [np.pi / 2], levels=3)[1, 2, 0, 0] == 1


@pytest.mark.parametrize("symmetric", [False, True])
def test_graycomatrix_mask_matches_numpy_reference(symmetric):
    rng = _rng(5)
    img = rng.integers(0, 16, (31, 27)).astype(np.uint8)
    mask = rng.random(img.shape) > 0.3
    distances, angles = [1, 2], ANGLES4
    ours = graycomatrix(img, distances, angles, levels=16, symmetric=symmetric, mask=mask)
    for d_idx, d in enumerate(distances):
        for a_idx, a in enumerate(angles):
            dr = round(math.sin(a) * d)
            dc = round(math.cos(a) * d)
            ref = _numpy_glcm(img, dr, dc, 16, mask, symmetric)
            np.testing.assert_array_equal(ours[:, :, d_idx, a_idx], ref)
    full = graycomatrix(img, distances, angles, levels=16, symmetric=symmetric, mask=np.ones(img.shape, bool))
    np.testing.assert_array_equal(full, graycomatrix(img, distances, angles, levels=16, symmetric=symmetric))


def test_graycomatrix_mask_real_lgg_tumor(lgg_slice):
    image, tumor = lgg_slice
    flair = np.ascontiguousarray(image[..., 1])
    ours = graycomatrix(flair, [1], ANGLES4, levels=256, symmetric=True, mask=tumor)
    for a_idx, a in enumerate(ANGLES4):
        ref = _numpy_glcm(flair, round(math.sin(a)), round(math.cos(a)), 256, tumor, True)
        np.testing.assert_array_equal(ours[:, :, 0, a_idx], ref)
    assert 0 < ours.sum() < graycomatrix(flair, [1], ANGLES4, levels=256, symmetric=True).sum()


# --------------------------------------------------------------------------- graycoprops


@pytest.mark.parametrize("prop", GLCM_PROPS)
def test_graycoprops_matches_skimage(prop, busi):
    rng = _rng(7)
    for img, levels in (
        (rng.integers(0, 8, (25, 30)).astype(np.uint8), 8),
        (rng.integers(0, 256, (64, 64)).astype(np.uint8), 256),
        (busi, 256),
    ):
        for symmetric in (False, True):
            for normed in (False, True):
                P = skfeature.graycomatrix(img, [1, 2], ANGLES4, levels=levels, symmetric=symmetric, normed=normed)
                np.testing.assert_allclose(graycoprops(P, prop), skfeature.graycoprops(P, prop), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("names", [GLCM_PROPS, ("contrast", "ASM", "correlation"), ("entropy", "energy")])
def test_graycoprops_sequence_equals_single_calls(names):
    """Several props in one call (one pass; logs skipped unless entropy is asked) = one call each."""
    img = _rng(8).integers(0, 256, (48, 40)).astype(np.uint8)
    for normed in (False, True):
        P = graycomatrix(img, [1, 3], ANGLES4, levels=256, symmetric=True, normed=normed)
        out = graycoprops(P, names)
        assert list(out) == list(names)
        for name in names:
            np.testing.assert_array_equal(out[name], graycoprops(P, name))
            np.testing.assert_allclose(out[name], skfeature.graycoprops(P, name), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("symmetric", [False, True])
def test_glcm_props_equals_graycoprops_of_graycomatrix(symmetric, busi, lgg_slice):
    """The fused path (one reused matrix per offset) gives the two-call numbers, and skimage's."""
    image, tumor = lgg_slice
    flair = np.ascontiguousarray(image[..., 1])
    cases = [
        (_rng(9).integers(0, 256, (57, 61)).astype(np.uint8), 256, None),
        (_rng(10).integers(0, 5, (20, 9)).astype(np.uint8), 5, None),
        (busi, 256, None),
        (flair, 256, tumor),
        ((_rng(11).integers(0, 300, (30, 40))).astype(np.uint16), 300, None),
    ]
    for img, levels, mask in cases:
        P = graycomatrix(img, [1, 2, 5], ANGLES4, levels=levels, symmetric=symmetric, mask=mask)
        ours = glcm_props(img, [1, 2, 5], ANGLES4, levels=levels, symmetric=symmetric, mask=mask)
        assert list(ours) == list(GLCM_PROPS)
        for name in GLCM_PROPS:
            np.testing.assert_allclose(ours[name], graycoprops(P, name), rtol=1e-12, atol=1e-15)
            if mask is None:
                ref = skfeature.graycoprops(skfeature.graycomatrix(img, [1, 2, 5], ANGLES4, levels=levels,
                                                                   symmetric=symmetric), name)
                np.testing.assert_allclose(ours[name], ref, rtol=1e-9, atol=1e-12)
    single = glcm_props(cases[0][0], [1, 2], [0.0], levels=256, prop="correlation")  # one name: an array
    np.testing.assert_array_equal(single, glcm_props(cases[0][0], [1, 2], [0.0], levels=256)["correlation"])


def test_glcm_props_errors_name_the_argument():
    img = _rng(12).integers(0, 4, (10, 10)).astype(np.uint8)
    with pytest.raises(ValueError, match="prop"):
        glcm_props(img, [1], [0], levels=4, prop="brightness")
    with pytest.raises(ValueError, match="prop is an empty sequence"):
        glcm_props(img, [1], [0], levels=4, prop=())
    with pytest.raises(ValueError, match="levels=3"):
        glcm_props(img, [1], [0], levels=3)
    mask = np.zeros(img.shape, bool)
    mask[4, 4] = True  # one pixel: no pair at distance 1
    with pytest.raises(ImageValidationError, match="no pixel pair"):
        glcm_props(img, [1], [0], levels=4, mask=mask)


@pytest.mark.parametrize("prop", GLCM_PROPS)
def test_graycoprops_zero_matrix_like_skimage(prop):
    P = np.zeros((4, 4, 1, 2), np.uint32)
    np.testing.assert_array_equal(graycoprops(P, prop), skfeature.graycoprops(P, prop))


def test_entropy_log_bases_pinned():
    """graycoprops entropy uses ln (skimage); haralick entropy uses log2 (mahotas)."""
    img = np.array([[0, 1]], dtype=np.uint8)  # one symmetric pair: p = (1/2, 1/2)
    P = graycomatrix(img, [1], [0], levels=2, symmetric=True)
    assert graycoprops(P, "entropy")[0, 0] == pytest.approx(math.log(2))
    f = haralick(np.array([[0, 1], [1, 0]], dtype=np.uint8))
    # direction 0 (right): pairs (0,1) and (1,0), symmetric -> p01 = p10 = 1/2 -> 1 bit
    assert f[0, 8] == pytest.approx(1.0)


def test_constant_image_documented_values():
    img = np.full((10, 12), 5, np.uint8)
    P = graycomatrix(img, [1, 2], ANGLES4, levels=8, symmetric=True)
    expected = {
        "contrast": 0.0,
        "dissimilarity": 0.0,
        "homogeneity": 1.0,
        "ASM": 1.0,
        "energy": 1.0,
        "correlation": 1.0,
        "mean": 5.0,
        "variance": 0.0,
        "std": 0.0,
        "entropy": 0.0,
    }
    for prop, value in expected.items():
        np.testing.assert_allclose(graycoprops(P, prop), value, atol=1e-12)
        np.testing.assert_allclose(graycoprops(P, prop), skfeature.graycoprops(P, prop), atol=1e-12)
    _assert_mahotas_close(haralick(img), mahotas.features.haralick(img))
    vec = glcm_features(img, levels=8)
    assert np.isfinite(vec).all()


def test_large_counts_beyond_entropy_table():
    """Counts above the kernel's c*ln(c) table (4096) take the exact-log path."""
    img = np.zeros((150, 160), np.uint8)
    img[:, 100:] = _rng(9).integers(0, 6, (150, 60))
    P = graycomatrix(img, [1], ANGLES4, levels=6, symmetric=True)
    assert P.max() > 4096
    for prop in GLCM_PROPS:
        np.testing.assert_allclose(graycoprops(P, prop), skfeature.graycoprops(P, prop), rtol=1e-9, atol=1e-12)
    ref = _reference_glcm_features(img, 6, (1,), GLCM_PROPS, ("mean", "range"))
    np.testing.assert_allclose(glcm_features(img * 43, levels=6), ref, rtol=1e-9, atol=1e-12)
    fused = glcm_props(img, [1], ANGLES4, levels=6, symmetric=True)  # diagonal 2 * count beyond the table too
    for prop in GLCM_PROPS:
        np.testing.assert_allclose(fused[prop], graycoprops(P, prop), rtol=1e-12, atol=1e-15)
    _assert_mahotas_close(haralick(img), mahotas.features.haralick(img))


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(2, 12),
    w=st.integers(2, 12),
    levels=st.integers(1, 9),
    distance=st.integers(1, 3),
    angle=st.floats(-7.0, 7.0, allow_nan=False),
    symmetric=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_graycomatrix_property_matches_skimage(h, w, levels, distance, angle, symmetric, seed):
    img = np.random.default_rng(seed).integers(0, levels, (h, w)).astype(np.uint8)
    dr, dc = round(math.sin(angle) * distance), round(math.cos(angle) * distance)
    if abs(dr) >= h or abs(dc) >= w:
        with pytest.raises(ImageValidationError):
            graycomatrix(img, [distance], [angle], levels=levels, symmetric=symmetric)
        return
    ref = skfeature.graycomatrix(img, [distance], [angle], levels=levels, symmetric=symmetric)
    np.testing.assert_array_equal(graycomatrix(img, [distance], [angle], levels=levels, symmetric=symmetric), ref)


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(2, 14),
    w=st.integers(2, 14),
    levels=st.integers(1, 12),
    distances=st.lists(st.integers(1, 3), min_size=1, max_size=2),
    symmetric=st.booleans(),
    with_mask=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_glcm_props_property_matches_two_calls(h, w, levels, distances, symmetric, with_mask, seed):
    """glcm_props == graycoprops(graycomatrix) on random small images, levels, offsets and ROIs;
    an offset that does not fit, or a ROI without a pair at some offset, is an error in both."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, levels, (h, w)).astype(np.uint8)
    mask = rng.random((h, w)) < 0.7 if with_mask else None
    try:
        P = graycomatrix(img, distances, ANGLES4, levels=levels, symmetric=symmetric, mask=mask)
    except ImageValidationError:
        with pytest.raises(ImageValidationError):
            glcm_props(img, distances, ANGLES4, levels=levels, symmetric=symmetric, mask=mask)
        return
    if mask is not None and (P.sum(axis=(0, 1)) == 0).any():
        with pytest.raises(ImageValidationError, match="no pixel pair"):
            glcm_props(img, distances, ANGLES4, levels=levels, symmetric=symmetric, mask=mask)
        return
    ours = glcm_props(img, distances, ANGLES4, levels=levels, symmetric=symmetric, mask=mask)
    for prop in GLCM_PROPS:
        assert np.isfinite(ours[prop]).all()
        np.testing.assert_allclose(ours[prop], graycoprops(P, prop), rtol=1e-12, atol=1e-15, err_msg=prop)


# --------------------------------------------------------------------------- haralick


@pytest.mark.parametrize("max_level", [1, 2, 15, 255])
@pytest.mark.parametrize("distance", [1, 2, 3])
@pytest.mark.parametrize("ignore_zeros", [False, True])
def test_haralick_matches_mahotas_random(max_level, distance, ignore_zeros):
    img = _rng(max_level + distance).integers(0, max_level + 1, (45, 38)).astype(np.uint8)
    ref = mahotas.features.haralick(img, distance=distance, ignore_zeros=ignore_zeros)
    ours = haralick(img, distance=distance, ignore_zeros=ignore_zeros)
    assert ours.shape == ref.shape == (4, 13)
    _assert_mahotas_close(ours, ref)


def test_haralick_options_match_mahotas():
    img = _rng(11).integers(0, 40, (50, 50)).astype(np.uint16)
    _assert_mahotas_close(haralick(img, return_mean=True), mahotas.features.haralick(img, return_mean=True))
    _assert_mahotas_close(
        haralick(img, return_mean_ptp=True), mahotas.features.haralick(img, return_mean_ptp=True)
    )
    _assert_mahotas_close(
        haralick(img, use_x_minus_y_variance=True),
        mahotas.features.haralick(img, use_x_minus_y_variance=True),
    )
    assert len(haralick_labels) == 13


def test_haralick_matches_mahotas_real(busi, lgg_slice):
    image, _ = lgg_slice
    for img in (busi, np.ascontiguousarray(image[..., 1]), np.ascontiguousarray(image[..., 0])):
        for ignore_zeros in (False, True):
            _assert_mahotas_close(
                haralick(img, ignore_zeros=ignore_zeros), mahotas.features.haralick(img, ignore_zeros=ignore_zeros)
            )


def test_haralick_empty_after_ignore_zeros_raises():
    img = np.zeros((4, 4), np.uint8)
    img[1, 1] = img[2, 1] = 1  # no horizontal non-zero pair (mahotas' own example)
    with pytest.raises(ValueError):
        mahotas.features.haralick(img, ignore_zeros=True)
    with pytest.raises(ValueError, match="direction 0"):
        haralick(img, ignore_zeros=True)


# --------------------------------------------------------------------------- quantisation


def test_quantize_levels_rule_pinned():
    u8 = np.array([[0, 1, 63, 64, 127, 128, 254, 255]], np.uint8)
    np.testing.assert_array_equal(quantize_levels(u8, 4), [[0, 0, 0, 1, 1, 2, 3, 3]])
    np.testing.assert_array_equal(quantize_levels(u8, 256), u8)
    u16 = np.array([[0, 2047, 2048, 65535]], np.uint16)
    np.testing.assert_array_equal(quantize_levels(u16, 32), [[0, 0, 1, 31]])
    assert quantize_levels(u16, 300).dtype == np.uint16
    i16 = np.array([[0, 16383, 16384, 32767]], np.int16)  # signed: range 2**15
    np.testing.assert_array_equal(quantize_levels(i16, 2), [[0, 0, 1, 1]])
    np.testing.assert_array_equal(quantize_levels(np.array([[False, True]]), 8), [[0, 4]])  # bool: range 2
    f = np.array([[0.0, 0.2499, 0.25, 0.999, 1.0]])
    np.testing.assert_array_equal(quantize_levels(f, 4), [[0, 0, 1, 3, 3]])


def test_quantize_bin_width_rule_pinned():
    img = np.array([[-7.0, -5.0, -0.5, 0.0, 4.9, 5.0, 12.0]])
    q, n = quantize_bin_width(img, 5)
    # floor(v / 5) - floor(-7 / 5) = floor(v / 5) + 2
    np.testing.assert_array_equal(q, [[0, 1, 1, 2, 2, 3, 4]])
    assert n == 5
    mask = np.array([[False, False, True, True, True, True, False]])
    q, n = quantize_bin_width(img, 5, mask=mask)  # min/max from the ROI: -0.5 .. 5.0
    assert n == 3
    np.testing.assert_array_equal(q[mask], [0, 1, 1, 2])
    assert quantize(img, method="bin_width", bin_width=5)[1] == 5


def test_quantize_bad_input():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        quantize_levels(np.array([[0.0, 1.5]]), 8)
    with pytest.raises(ValueError, match="negative"):
        quantize_levels(np.array([[-1, 3]], np.int16), 8)
    with pytest.raises(ValueError, match="levels"):
        quantize_levels(np.zeros((3, 3), np.uint8), 1)
    with pytest.raises(ValueError, match="bin_width"):
        quantize_bin_width(np.zeros((3, 3)), 0)
    with pytest.raises(ValueError, match="bin_width"):
        quantize(np.zeros((3, 3)), method="bin_width")
    with pytest.raises(ValueError, match="quantization"):
        quantize(np.zeros((3, 3)), method="kmeans", levels=3)
    with pytest.raises(ValueError, match="larger bin_width"):
        quantize_bin_width(np.array([[0.0, 1e9]]), 1.0)


# --------------------------------------------------------------------------- glcm_features / transformer


def _reference_glcm_features(q, levels, distances, props, summaries, mask=None):
    P = np.zeros((levels, levels, len(distances), len(ANGLES4)), np.int64)
    for d_idx, d in enumerate(distances):
        for a_idx, a in enumerate(ANGLES4):
            dr, dc = round(math.sin(a) * d), round(math.cos(a) * d)
            P[:, :, d_idx, a_idx] = _numpy_glcm(q, dr, dc, levels, mask, True)
    out = []
    for p in props:
        vals = skfeature.graycoprops(P, p)  # (n_dist, n_angle)
        for d_idx in range(len(distances)):
            v = vals[d_idx]
            stats = {"mean": v.mean(), "range": v.max() - v.min(), "min": v.min(), "max": v.max(), "std": v.std()}
            out.extend(stats[s] for s in summaries)
    return np.array(out)


def test_glcm_features_matches_skimage_composition(busi):
    props = GLCM_PROPS
    summaries = ("mean", "range", "std")
    for levels in (8, 32):
        q = (busi.astype(np.int64) * levels // 256).astype(np.uint8)
        ref = _reference_glcm_features(q, levels, (1, 3), props, summaries)
        ours = glcm_features(busi, levels=levels, distances=(1, 3), props=props, summaries=summaries)
        np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)
        names = glcm_feature_names((1, 3), props, summaries)
        assert len(names) == ours.size and names[0] == "glcm_contrast_d1_mean" and names[3] == "glcm_contrast_d3_mean"


def test_glcm_features_mask_and_bin_width(lgg_slice):
    image, tumor = lgg_slice
    flair = np.ascontiguousarray(image[..., 1])
    q, n = quantize_bin_width(flair, 16, mask=tumor)
    ref = _reference_glcm_features(q, n, (1,), GLCM_PROPS, ("mean", "range"), mask=tumor)
    ours = glcm_features(flair, distances=(1,), mask=tumor, quantization="bin_width", bin_width=16)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)


def test_glcm_features_float_image_assumed_unit_range():
    img = _rng(2).random((30, 30))
    img[0, 0], img[0, 1] = 0.0, 1.0  # 1.0 falls in the top level
    q = np.minimum(np.floor(img * 16), 15).astype(np.uint8)
    ref = _reference_glcm_features(q, 16, (1,), GLCM_PROPS, ("mean", "range"))
    np.testing.assert_allclose(glcm_features(img, levels=16), ref, rtol=1e-9, atol=1e-12)


def test_glcm_transformer():
    rng = _rng(4)
    ims = [rng.integers(0, 256, s).astype(np.uint8) for s in ((20, 24), (33, 17), (16, 16))]
    t = GLCMFeatures(levels=16, distances=(1, 2), props=("contrast", "correlation"))
    X = t.fit_transform(ims)
    names = t.get_feature_names_out()
    assert X.shape == (3, 8) and X.dtype == np.float64
    assert list(names[:2]) == ["glcm_contrast_d1_mean", "glcm_contrast_d1_range"]
    np.testing.assert_allclose(X[1], glcm_features(ims[1], levels=16, distances=(1, 2), props=("contrast", "correlation")))
    assert clone(t).get_params() == t.get_params()
    rgb = np.stack([ims[0], ims[0] // 2, ims[0] // 3], axis=-1)
    gray = np.rint(rgb.mean(axis=-1)).astype(np.uint8)
    np.testing.assert_allclose(t.transform([rgb])[0], glcm_features(gray, levels=16, distances=(1, 2), props=("contrast", "correlation")))
    t1 = GLCMFeatures(levels=16, channel=1).fit([rgb])
    np.testing.assert_allclose(t1.transform([rgb])[0], glcm_features(rgb[..., 1], levels=16))


# --------------------------------------------------------------------------- bad input


def test_bad_input_errors_name_the_argument():
    img = np.arange(16, dtype=np.uint8).reshape(4, 4)
    with pytest.raises(ValueError, match="image.*float"):
        graycomatrix(img.astype(float), [1], [0], levels=16)
    with pytest.raises(ValueError, match="NaN"):
        glcm_features(np.array([[0.1, np.nan], [0.2, 0.3]]))
    with pytest.raises(ValueError, match=">= levels"):
        graycomatrix(img, [1], [0], levels=8)
    with pytest.raises(ValueError, match="negative"):
        graycomatrix(np.array([[-1, 2], [3, 4]], np.int16), [1], [0], levels=8)
    with pytest.raises(ValueError, match="levels is required"):
        graycomatrix(img.astype(np.uint16), [1], [0])
    with pytest.raises(ImageValidationError, match="smaller than"):
        graycomatrix(img, [4], [0], levels=16)
    with pytest.raises(ImageValidationError, match="smaller than"):
        haralick(img[:2, :2], distance=2)
    with pytest.raises(ImageValidationError, match="smaller than"):
        glcm_features(img, distances=(5,))
    with pytest.raises(ValueError, match="distances"):
        graycomatrix(img, [-1], [0], levels=16)
    with pytest.raises(ValueError, match="angles"):
        graycomatrix(img, [1], [np.nan], levels=16)
    with pytest.raises(ValueError, match="mask shape"):
        graycomatrix(img, [1], [0], levels=16, mask=np.ones((3, 3), bool))
    with pytest.raises(ValueError, match="mask holds no pixel pair"):
        glcm_features(img, mask=np.eye(4, dtype=bool), distances=(1,), angles=(0,))
    with pytest.raises(ValueError, match="prop"):
        graycoprops(np.zeros((2, 2, 1, 1)), "cluster_shade")
    with pytest.raises(ValueError, match="P must be 4-D"):
        graycoprops(np.zeros((2, 2)), "contrast")
    with pytest.raises(ValueError, match="negative"):
        graycoprops(-np.ones((2, 2, 1, 1)), "contrast")
    with pytest.raises(ValueError, match="summaries"):
        glcm_features(img, summaries=("median",))
    with pytest.raises(ValueError, match="quantization"):
        glcm_features(img, quantization="equal")
    with pytest.raises(ImageValidationError, match="image"):
        glcm_features(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="haralick needs integer"):
        haralick(img / 16.0)
