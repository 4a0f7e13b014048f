"""Property tests: every extractor, on random shapes/dtypes/contents/parameters, neither crashes
nor returns NaN/inf, and has the documented length."""

from __future__ import annotations

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from features.glcm import glcm_feature_names, glcm_features  # noqa: E402
from features.handcrafted import HandcraftedFeatures  # noqa: E402
from features.hog import hog, hog_shape  # noqa: E402
from features.lbp import lbp_histogram, local_binary_pattern  # noqa: E402
from features.patterns import mvm_lbp, mvm_lbp_histogram, mvmbp, mvmbp_histogram  # noqa: E402
from features.sobel import sobel, sobel_feature_names, sobel_features  # noqa: E402

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)
DTYPES = (np.uint8, np.uint16, np.float32, np.float64, np.bool_)


@st.composite
def images(draw, min_side=8, max_side=48, channels=False):
    """Random grey (or (H, W, 3)) images: noise, constant, or a few levels, any dtype."""
    h = draw(st.integers(min_side, max_side))
    w = draw(st.integers(min_side, max_side))
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    kind = draw(st.sampled_from(("noise", "constant", "levels")))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (h, w, 3) if channels else (h, w)
    if kind == "constant":
        unit = np.full(shape, rng.random())
    elif kind == "levels":
        unit = rng.integers(0, 3, shape) / 2.0
    else:
        unit = rng.random(shape)
    if dtype.kind == "b":
        return unit > 0.5
    if dtype.kind == "u":
        return np.round(unit * np.iinfo(dtype).max).astype(dtype)
    return unit.astype(dtype)


def _finite(x):
    x = np.asarray(x, dtype=np.float64)
    assert np.isfinite(x).all()
    return x


@SETTINGS
@given(
    image=images(min_side=18),
    orientations=st.integers(1, 12),
    ppc=st.tuples(st.integers(2, 6), st.integers(2, 6)),
    cpb=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    norm=st.sampled_from(("L1", "L1-sqrt", "L2", "L2-Hys")),
    sqrt=st.booleans(),
)
def test_hog(image, orientations, ppc, cpb, norm, sqrt):
    out = _finite(hog(image, orientations, ppc, cpb, norm, transform_sqrt=sqrt, feature_vector=False))
    assert out.shape == hog_shape(image.shape, orientations, ppc, cpb)
    assert out.min() >= 0


@SETTINGS
@given(image=images(min_side=1, max_side=30), bins=st.integers(1, 12),
       pct=st.lists(st.floats(0, 100), min_size=0, max_size=4), thr=st.floats(0, 2))
def test_sobel(image, bins, pct, thr):
    dx, dy = sobel(image)
    _finite(dx), _finite(dy)
    f = _finite(sobel_features(image, bins=bins, percentiles=pct, edge_threshold=thr))
    assert f.shape == (len(sobel_feature_names(bins, pct)),)
    hist = f[-bins:]
    assert hist.sum() == pytest.approx(1.0) or not hist.any()


@SETTINGS
@given(image=images(min_side=4), levels=st.integers(2, 64), distance=st.integers(1, 3), symmetric=st.booleans())
def test_glcm(image, levels, distance, symmetric):
    f = _finite(glcm_features(image, levels=levels, distances=(distance,), symmetric=symmetric))
    assert f.shape == (len(glcm_feature_names(distances=(distance,))),)


@SETTINGS
@given(image=images(min_side=8), P=st.sampled_from((4, 8, 12, 16)), R=st.sampled_from((1, 1.5, 2, 3)),
       method=st.sampled_from(("default", "ror", "uniform", "nri_uniform")))
def test_lbp(image, P, R, method):
    _finite(local_binary_pattern(image, P, R, method))
    h = _finite(lbp_histogram(image, P, R, method))
    assert h.sum() == pytest.approx(1.0)


@SETTINGS
@given(image=images(min_side=8), R=st.integers(1, 3), method=st.sampled_from(("default", "uniform", "nri_uniform")))
def test_mvm_lbp(image, R, method):
    _finite(mvm_lbp(image, R, method))
    assert _finite(mvm_lbp_histogram(image, R, method)).sum() == pytest.approx(1.0)


@SETTINGS
@given(image=images(min_side=8))
def test_mvmbp(image):
    _finite(mvmbp(image))
    assert _finite(mvmbp_histogram(image)).sum() == pytest.approx(1.0)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(a=images(min_side=8, max_side=40), b=images(min_side=8, max_side=40, channels=True),
       size=st.integers(24, 40), channel=st.sampled_from((None, 0, 2)))
def test_union(a, b, size, channel):
    union = HandcraftedFeatures(image_size=size, channel=channel,
                                params={"lbp": {"scales": ((8, 1),)}, "hog": {"pixels_per_cell": (8, 8)}})
    X = _finite(union.fit([a]).transform([a, b]))
    assert X.shape == (2, len(union.get_feature_names_out()))
