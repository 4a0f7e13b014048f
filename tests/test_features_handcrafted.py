"""HandcraftedFeatures: composition of the extractors, names, sklearn rules, channels, sizes."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from sklearn.base import clone

from features._prepare import prepare_image, resize, to_grey
from features.handcrafted import EXTRACTORS, HandcraftedFeatures, get_extractor
from features.hog import hog
from features.sobel import sobel_features

FAST = {"lbp": {"scales": ((8, 1),)}, "hog": {"pixels_per_cell": (8, 8), "cells_per_block": (2, 2)}}


def _images(seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 256, (70, 50), dtype=np.uint8),
        rng.integers(0, 256, (40, 64, 3), dtype=np.uint8),
        rng.integers(0, 256, (33, 33), dtype=np.uint8),
        rng.integers(0, 256, (90, 81), dtype=np.uint8),
    ]


def _available(names):
    for name in names:
        try:
            get_extractor(name)
        except ImportError:
            pytest.skip(f"extractor {name!r} ({EXTRACTORS[name][0]}) not importable")
    return tuple(names)


def test_union_is_concatenation_of_its_parts():
    names = _available(("hog", "glcm", "lbp", "sobel"))
    ims = _images()
    union = HandcraftedFeatures(extractors=names, image_size=32, params=FAST)
    assert union.fit(ims) is union
    X = union.transform(ims)
    assert X.shape == (len(ims), len(union.get_feature_names_out())) and X.dtype == np.float64
    assert np.isfinite(X).all()
    parts = []
    for name in names:
        kwargs = dict(FAST.get(name, {}))
        if name == "hog":
            kwargs["image_size"] = 32
        t = get_extractor(name)(**kwargs)
        prepared = [prepare_image(im, None, 32) for im in ims]
        parts.append(t.fit(prepared).transform(prepared))
    np.testing.assert_allclose(X, np.hstack(parts))
    # the same HOG as the function on the prepared image
    np.testing.assert_allclose(X[0, : len(hog(prepare_image(ims[0], None, 32), cells_per_block=(2, 2)))],
                               hog(prepare_image(ims[0], None, 32), cells_per_block=(2, 2)))


def test_feature_names_prefixed_stable_and_unique():
    names = _available(("hog", "glcm", "lbp", "sobel"))
    ims = _images()
    a = HandcraftedFeatures(extractors=names, image_size=32, params=FAST).fit(ims).get_feature_names_out()
    b = HandcraftedFeatures(extractors=names, image_size=32, params=FAST).fit(_images(1)[:1]).get_feature_names_out()
    assert list(a) == list(b)
    assert len(set(a)) == len(a)
    for prefix in ("hog_", "glcm_", "lbp_", "sobel_"):
        assert any(n.startswith(prefix) for n in a)
    assert all(n.split("_")[0] in {"hog", "glcm", "lbp", "sobel"} for n in a)


def test_order_follows_extractors():
    ims = _images()
    u = HandcraftedFeatures(extractors=("sobel", "hog"), image_size=24, params=FAST).fit(ims)
    names = u.get_feature_names_out()
    assert names[0] == "sobel_mean" and names[-1].startswith("hog_")


def test_sklearn_rules_clone_set_params():
    u = HandcraftedFeatures(extractors=("hog", "sobel"), image_size=32, params={"sobel": {"bins": 4}})
    params = u.get_params()
    assert params["extractors"] == ("hog", "sobel") and params["params"] == {"sobel": {"bins": 4}}
    c = clone(u)
    assert c.get_params()["params"] == params["params"] and not hasattr(c, "transformers_")
    c.set_params(params={"sobel": {"bins": 6}}, image_size=40)
    ims = _images()
    X = c.fit(ims).transform(ims)
    assert X.shape[1] == len(c.get_feature_names_out())
    assert c.get_feature_names_out()[-1] == "sobel_hist_5"
    assert not hasattr(u, "transformers_")  # clone/set_params did not touch the original


def test_set_output_pandas():
    ims = _images()
    u = HandcraftedFeatures(extractors=("sobel",), image_size=32).set_output(transform="pandas")
    df = u.fit(ims).transform(ims)
    assert list(df.columns) == list(u.get_feature_names_out())
    assert df.shape == (len(ims), 16)


def test_parallel_equals_serial():
    names = _available(("hog", "lbp", "sobel"))
    ims = _images() * 3
    serial = HandcraftedFeatures(extractors=names, image_size=32, params=FAST).fit(ims).transform(ims)
    parallel = HandcraftedFeatures(extractors=names, image_size=32, params=FAST, n_jobs=2).fit(ims).transform(ims)
    np.testing.assert_array_equal(serial, parallel)


def test_channel_rule():
    rgb = np.random.default_rng(3).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    mean = np.rint(rgb.mean(axis=-1)).astype(np.uint8)
    u = HandcraftedFeatures(extractors=("sobel",), image_size=32)
    np.testing.assert_allclose(u.fit([rgb]).transform([rgb])[0], sobel_features(mean))
    u1 = HandcraftedFeatures(extractors=("sobel",), image_size=32, channel=2)
    np.testing.assert_allclose(u1.fit([rgb]).transform([rgb])[0], sobel_features(rgb[..., 2]))


@pytest.mark.parametrize("name", list(EXTRACTORS))
@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
def test_one_channel_rule_for_every_transformer(name, dtype):
    """Every transformer reduces (H, W, C) images by features._prepare.to_grey (and no other rule)."""
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (40, 40, 3)).astype(dtype)
    if dtype is np.float64:
        rgb /= 255.0
    grey = to_grey(rgb)
    assert grey.dtype == rgb.dtype
    if dtype is np.uint8:  # integer images: the channel mean rounded half to even, dtype kept
        np.testing.assert_array_equal(grey, np.rint(rgb.mean(axis=-1)).astype(np.uint8))
    else:
        np.testing.assert_array_equal(grey, rgb.mean(axis=-1))
    params = {"image_size": 40} if name == "hog" else {}
    params.update({"lbp": {"scales": ((8, 1),)}}.get(name, {}))
    t = get_extractor(_available((name,))[0])(**params).fit([rgb])
    np.testing.assert_array_equal(t.transform([rgb]), t.transform([grey]))
    assert not np.array_equal(t.transform([rgb]), t.transform([rgb[..., 0]]))
    t1 = get_extractor(name)(channel=1, **params).fit([rgb])
    np.testing.assert_array_equal(t1.transform([rgb]), t1.transform([rgb[..., 1]]))


def test_union_default_lbp_scales():
    """The union's default LBP drops (24, 3) (documented speed choice); params bring it back."""
    from features.handcrafted import UNION_DEFAULTS
    from features.lbp import LBPFeatures

    im = np.random.default_rng(6).integers(0, 256, (40, 40), dtype=np.uint8)
    assert UNION_DEFAULTS["lbp"] == {"scales": ((8, 1), (16, 2))}
    u = HandcraftedFeatures(extractors=("lbp",), image_size=32).fit([im])
    names = u.get_feature_names_out()
    assert len(names) == 10 + 18 and names[0] == "lbp_P8R1_riu2_0" and names[-1] == "lbp_P16R2_riu2_17"
    small = prepare_image(im, None, 32)
    np.testing.assert_array_equal(u.transform([im])[0], LBPFeatures(scales=((8, 1), (16, 2))).fit([small]).transform([small])[0])
    three = ((8, 1), (16, 2), (24, 3))
    u3 = HandcraftedFeatures(extractors=("lbp",), image_size=32, params={"lbp": {"scales": three}}).fit([im])
    assert len(u3.get_feature_names_out()) == 10 + 18 + 26
    assert LBPFeatures().scales == three  # the stand-alone transformer keeps Ojala's three scales


def test_union_default_hog_cells():
    """The union's HOG uses 16-px cells in 2x2 blocks (documented); params override each key."""
    from features.hog import HOGFeatures, hog

    im = np.random.default_rng(7).integers(0, 256, (150, 130), dtype=np.uint8)
    u = HandcraftedFeatures(extractors=("hog",)).fit([im])
    assert u.n_features_out_ == 7 * 7 * 2 * 2 * 9  # 128 px: 8 cells, 7 blocks per side
    small = prepare_image(im, None, 128)
    ref = hog(small, pixels_per_cell=(16, 16), cells_per_block=(2, 2))
    np.testing.assert_array_equal(u.transform([im])[0], ref)
    u8 = HandcraftedFeatures(extractors=("hog",), params={"hog": {"pixels_per_cell": (8, 8)}}).fit([im])
    assert u8.n_features_out_ == 15 * 15 * 2 * 2 * 9  # 8-px cells, blocks still 2x2
    assert HOGFeatures().pixels_per_cell == (8, 8) and HOGFeatures().cells_per_block == (3, 3)


def test_array_batch_input():
    stack = np.random.default_rng(4).integers(0, 256, (3, 40, 40), dtype=np.uint8)
    u = HandcraftedFeatures(extractors=("sobel",), image_size=40)
    np.testing.assert_allclose(u.fit(stack).transform(stack), u.transform(list(stack)))


@pytest.mark.realdata
def test_real_images(busi_image, lgg_slice):
    names = _available(("hog", "glcm", "lbp", "sobel"))
    u = HandcraftedFeatures(extractors=names, params=FAST)
    X = u.fit([busi_image]).transform([busi_image, lgg_slice[0]])
    assert X.shape == (2, len(u.get_feature_names_out())) and np.isfinite(X).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"extractors": ("hog", "colour")}, "unknown extractor"),
        ({"extractors": ()}, "empty"),
        ({"extractors": "hog"}, "sequence"),
        ({"extractors": ("hog", "hog")}, "twice"),
        ({"extractors": ("hog",), "params": {"sobell": {}}}, "unknown extractors"),
        ({"extractors": ("hog",), "params": {"hog": {"image_size": 64}}}, "HandcraftedFeatures itself"),
        ({"extractors": ("sobel",), "params": {"sobel": {"nonsense": 1}}}, "params\\['sobel'\\]"),
        ({"extractors": ("sobel",), "image_size": 0}, "image_size"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HandcraftedFeatures(**kwargs).fit(_images())


def test_bad_image_in_batch_names_its_index():
    ims = _images()
    ims[2] = np.full((40, 40), np.nan)
    u = HandcraftedFeatures(extractors=("sobel",), image_size=32).fit(ims[:1])
    with pytest.raises(ValueError, match=r"images\[2\].*NaN"):
        u.transform(ims)


def test_constant_images_finite():
    names = _available(("hog", "glcm", "lbp", "sobel"))
    ims = [np.zeros((40, 40), np.uint8), np.full((50, 30), 255, np.uint8), np.full((32, 32), 0.5)]
    X = HandcraftedFeatures(extractors=names, image_size=32, params=FAST).fit(ims).transform(ims)
    assert np.isfinite(X).all()


def test_prepare_rules():
    u8 = np.arange(16, dtype=np.uint8).reshape(4, 4)
    assert resize(u8, 4) is u8
    half = resize(u8, 2)
    assert half.dtype == np.uint8
    np.testing.assert_array_equal(half, np.rint(u8.reshape(2, 2, 2, 2).mean(axis=(1, 3))).astype(np.uint8))
    np.testing.assert_allclose(resize(u8.astype(float), (2, 4)), u8.reshape(2, 2, 4).mean(axis=1))
    rgb = np.dstack([u8, u8 + 1, u8 + 3])
    np.testing.assert_array_equal(to_grey(rgb), np.rint((3 * u8 + 4) / 3).astype(np.uint8))
    with pytest.raises(ValueError, match="out of range"):
        to_grey(rgb, channel=3)


def test_doctests():
    for name in ("features.handcrafted", "features._prepare"):
        assert doctest.testmod(importlib.import_module(name)).failed == 0


def test_handcrafted_vector_equals_the_transformer():
    from features.vector import extractor_plan, handcrafted_vector

    ims = _images(3)
    params = {"sobel": {"bins": 4}}
    union = HandcraftedFeatures(image_size=48, params=params).fit(ims[:1])
    X = union.transform(ims)
    for row, im in zip(X, ims):
        np.testing.assert_array_equal(handcrafted_vector(im, image_size=48, params=params), row)
    rgb = ims[1]
    np.testing.assert_array_equal(
        handcrafted_vector(rgb, ("lbp", "sobel"), channel=2, image_size=32),
        HandcraftedFeatures(("lbp", "sobel"), channel=2, image_size=32).fit([rgb]).transform([rgb])[0],
    )
    assert handcrafted_vector(ims[0]).shape == (2596,)
    with pytest.raises(ValueError, match="handcrafted_vector itself"):
        handcrafted_vector(ims[0], params={"hog": {"channel": 0}})
    with pytest.raises(ValueError, match="not parameters"):
        extractor_plan(("lbp",), {"lbp": {"mask": None}})
    with pytest.raises(ValueError, match=r"params\['sobel'\]"):
        handcrafted_vector(ims[0], ("sobel",), {"sobel": {"nonsense": 1}})


def test_functions_do_not_import_sklearn():
    """The functional path stays free of scikit-learn and joblib (their import dominates a cold start)."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, features; "
        "features.handcrafted_vector(np.zeros((20, 20), np.uint8), image_size=20, params={'hog': {'pixels_per_cell': (8, 8)}}); "
        "from features.hog import hog; from features.glcm import graycomatrix; "
        "bad = sorted(m for m in ('sklearn', 'joblib', 'torch') if m in sys.modules); print(bad); "
        "from features.hog import HOGFeatures; assert 'sklearn' in sys.modules and HOGFeatures.__name__ == 'HOGFeatures'"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_transformers_doctests():
    for name in ("features.transformers", "features.vector"):
        assert doctest.testmod(importlib.import_module(name)).failed == 0
