"""save_model / load_model over every family: round trips, safety refusals, atomicity, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline as sk_make_pipeline

import hybrid.models.persistence as persistence
from features.handcrafted import HandcraftedFeatures
from hybrid.data.synthetic import make_phantoms
from hybrid.models import CNNClassifier, FusedCNNClassifier, load_model, make_pipeline, save_model
from hybrid.models.persistence import UntrustedModelError, register_model_kind


FAST = dict(image_size=32, epochs=1, batch_size=4, val_fraction=0.25, random_state=0)


@pytest.fixture(scope="module")
def phantoms():
    return make_phantoms(12, size=40, seed=2, difficulty=0.2)


@pytest.fixture(scope="module")
def cnn(phantoms):
    return CNNClassifier(augmentation=lambda im, m: (im.flip(-1), m), **FAST).fit(phantoms.images, phantoms.labels)


def leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_cnn_round_trip_identical_probabilities(cnn, phantoms, tmp_path):
    out = save_model(cnn, tmp_path / "cnn")
    assert sorted(p.name for p in out.iterdir()) == ["classes.json", "config.json", "weights.pt"]
    config = json.loads((out / "config.json").read_text())
    assert config["kind"] == "cnn_classifier" and config["dropped_params"] == ["augmentation"]
    back = load_model(out)
    assert isinstance(back, CNNClassifier)
    assert np.array_equal(back.predict_proba(phantoms.images), cnn.predict_proba(phantoms.images))
    assert back.classes_.dtype == cnn.classes_.dtype and back.classes_.tolist() == cnn.classes_.tolist()
    assert back.history_ == cnn.history_ and back.in_chans_ == cnn.in_chans_
    assert back.get_params()["augmentation"] is None
    assert np.array_equal(CNNClassifier.load(out).predict(phantoms.images), cnn.predict(phantoms.images))


def test_fused_round_trip_with_tuple_parameters(phantoms, tmp_path):
    handcrafted = {"extractors": ("sobel", "lbp"), "image_size": 32, "params": {"sobel": {"bins": 4}}}
    clf = FusedCNNClassifier(handcrafted=handcrafted, hidden=8, augmentation=None, **FAST)
    clf.fit(phantoms.images, phantoms.labels)
    back = load_model(save_model(clf, tmp_path / "fused"))
    assert isinstance(back, FusedCNNClassifier) and back.n_handcrafted_ == clf.n_handcrafted_
    assert np.array_equal(back.predict_proba(phantoms.images), clf.predict_proba(phantoms.images))
    assert torch.equal(back.model_.feature_std, clf.model_.feature_std)


@pytest.mark.parametrize("classes", [np.array(["b", "a"]), np.array([3, 1, 2]), np.array([0.5, 1.5]),
                                     np.array([True, False]), np.array(["x", 2], dtype=object)])
def test_classes_json_preserves_values_and_dtype(classes):
    back = persistence._classes_from_json(json.loads(json.dumps(persistence._classes_json(classes))))
    assert back.dtype == classes.dtype and back.tolist() == classes.tolist()


@pytest.mark.parametrize("classifier", ["logreg", "xgboost"])
def test_sklearn_pipeline_round_trip_through_skops(phantoms, tmp_path, classifier):
    pipe = make_pipeline("handcrafted", classifier, handcrafted=HandcraftedFeatures(extractors=("sobel",),
                                                                                   image_size=32))
    pipe.fit(phantoms.images, phantoms.labels)
    out = save_model(pipe, tmp_path / "pipe")
    assert (out / "model.skops").is_file()
    back = load_model(out)
    assert np.array_equal(back.predict_proba(phantoms.images), pipe.predict_proba(phantoms.images))
    assert back.classes_.tolist() == pipe.classes_.tolist()


def test_pickle_needs_explicit_trust(tmp_path):
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    model = sk_make_pipeline(LogisticRegression()).fit(X, y)
    out = save_model(model, tmp_path / "pickled", format="pickle")
    with pytest.raises(UntrustedModelError, match="trust_pickle"):
        load_model(out)
    assert np.array_equal(load_model(out, trust_pickle=True).predict_proba(X), model.predict_proba(X))


class Doubler(TransformerMixin, BaseEstimator):
    """A type from outside the trusted packages."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X) * 2


def test_skops_refuses_untrusted_types(tmp_path):
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    out = save_model(sk_make_pipeline(Doubler(), LogisticRegression()).fit(X, y), tmp_path / "custom")
    with pytest.raises(UntrustedModelError, match="Doubler"):
        load_model(out)


def test_failed_save_keeps_previous_folder(cnn, tmp_path, monkeypatch):
    out = save_model(cnn, tmp_path / "m")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(obj, path):
        (path.parent / "weights.pt").write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(persistence, "save_checkpoint", broken)
    with pytest.raises(OSError, match="disk full"):
        save_model(cnn, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert leftovers(tmp_path) == []


def test_load_errors_name_the_problem(cnn, tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="config.json"):
        load_model(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="JSON"):
        load_model(bad)
    (bad / "config.json").write_text(json.dumps({"kind": "teleporter"}))
    with pytest.raises(ValueError, match="teleporter"):
        load_model(bad)
    out = save_model(cnn, tmp_path / "cnn")
    with pytest.raises(ValueError, match="cnn_classifier"):
        FusedCNNClassifier.load(out)
    (out / "weights.pt").write_bytes((out / "weights.pt").read_bytes()[:200])
    with pytest.raises(ValueError, match="weights.pt"):
        load_model(out)
    with pytest.raises(TypeError, match="save"):
        save_model(object(), tmp_path / "obj")


def test_register_model_kind(tmp_path):
    folder = tmp_path / "custom"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"kind": "constant"}))
    register_model_kind("constant", lambda directory, trust_pickle: ("loaded", directory.name, trust_pickle))
    try:
        assert load_model(folder) == ("loaded", "custom", False)
    finally:
        persistence.MODEL_KINDS.pop("constant")
    with pytest.raises(ValueError, match="loader"):
        register_model_kind("x", 42)


def test_segmenter_through_load_model(tmp_path):
    segmentation = pytest.importorskip("hybrid.segmentation.segmenter")
    ph = make_phantoms(8, size=32, seed=0)
    seg = segmentation.Segmenter(image_size=32, base_channels=4, depth=2, epochs=1, augmentation=None,
                                 val_fraction=0.25).fit(ph.images, ph.masks)
    back = load_model(save_model(seg, tmp_path / "seg"))
    assert type(back).__name__ == "Segmenter"
    for a, b in zip(back.predict_proba(ph.images[:2]), seg.predict_proba(ph.images[:2])):
        assert np.array_equal(a, b)
