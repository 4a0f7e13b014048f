"""make_pipeline: structure, classifiers, imbalance handling, cross-validation round trips."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import FeatureUnion

from features.handcrafted import HandcraftedFeatures
from hybrid.data.synthetic import make_phantoms
from hybrid.deep import CNNEmbeddings
from hybrid.models import BalancedXGBClassifier, load_model, make_pipeline, save_model

SIZE = 32




@pytest.fixture(scope="module")
def phantoms():
    return make_phantoms(24, size=SIZE, seed=0, difficulty=0.2)


def _emb():
    return CNNEmbeddings("resnet18", image_size=SIZE, batch_size=16)


def _hand():
    return HandcraftedFeatures(extractors=("hog", "sobel"), image_size=SIZE,
                               params={"hog": {"cells_per_block": (2, 2)}})


def test_steps_follow_the_options():
    pipe = make_pipeline("deep", "logreg", embeddings=_emb(), pca=5, select_k=3)
    assert [n for n, _ in pipe.steps] == ["features", "scale", "pca", "select", "clf"]
    assert isinstance(pipe.named_steps["clf"], LogisticRegression)
    assert pipe.named_steps["clf"].class_weight == "balanced"
    fused = make_pipeline("fused", "xgboost", handcrafted=_hand(), embeddings=_emb())
    assert isinstance(fused.named_steps["features"], FeatureUnion)
    assert isinstance(fused.named_steps["clf"], BalancedXGBClassifier)
    svm = make_pipeline("deep", "svm", embeddings=_emb()).named_steps["clf"]
    assert isinstance(svm, CalibratedClassifierCV) and svm.method == "sigmoid" and svm.ensemble is False
    iso = make_pipeline("deep", "xgboost", embeddings=_emb(), calibrate="isotonic").named_steps["clf"]
    assert isinstance(iso, CalibratedClassifierCV) and iso.method == "isotonic"
    assert isinstance(iso.estimator, BalancedXGBClassifier)


def test_given_extractors_are_cloned_and_channels_applied():
    emb = _emb()
    pipe = make_pipeline("fused", "logreg", handcrafted=_hand(), embeddings=emb, channels=1)
    union = pipe.named_steps["features"]
    deep = dict(union.transformer_list)["deep"]
    assert deep is not emb and deep.channels == 1 and emb.channels is None
    assert dict(union.transformer_list)["handcrafted"].channel == 1
    assert make_pipeline("deep", embeddings=emb, channels=[0, 2]).named_steps["features"].channels == [0, 2]
    with pytest.raises(ValueError, match="one channel"):
        make_pipeline("handcrafted", handcrafted=_hand(), channels=[0, 2])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"family": "radiomics"}, "family"),
        ({"classifier": "knn"}, "classifier"),
        ({"pca": 1.5}, "pca"),
        ({"pca": 0}, "pca"),
        ({"select_k": 0}, "select_k"),
        ({"calibrate": "platt"}, "calibrate"),
    ],
)
def test_bad_options_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_pipeline(**{"family": "deep", "embeddings": _emb(), **kwargs})


@pytest.mark.parametrize(
    "family, classifier",
    [("deep", "logreg"), ("deep", "svm"), ("deep", "xgboost"), ("handcrafted", "svm"), ("fused", "logreg")],
)
def test_cross_validate_round_trip_on_phantoms(phantoms, family, classifier):
    pipe = make_pipeline(family, classifier, handcrafted=_hand(), embeddings=_emb(), calibration_cv=3, n_jobs=1)
    if classifier == "xgboost":
        pipe.named_steps["clf"].set_params(n_estimators=20)
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    res = cross_validate(pipe, phantoms.images, phantoms.labels, cv=cv, scoring="roc_auc", return_estimator=True,
                         error_score="raise")
    assert np.all(np.isfinite(res["test_score"]))  # scored on the held-out folds only
    fitted = res["estimator"][0]
    assert fitted.classes_.tolist() == ["benign", "malignant"]
    proba = fitted.predict_proba(phantoms.images[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(fitted.predict(phantoms.images[:5])) <= {"benign", "malignant"}


def test_xgboost_balanced_weights_equal_explicit_inverse_frequency_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.array(["a"] * 45 + ["b"] * 15)
    X[y == "b"] += 0.7
    manual = np.where(y == "a", 60 / (2 * 45), 60 / (2 * 15))  # n / (n_classes * count)
    bal = BalancedXGBClassifier(n_estimators=15, n_jobs=1).fit(X, y)
    ref = BalancedXGBClassifier(n_estimators=15, n_jobs=1, class_weight=None).fit(X, y, sample_weight=manual)
    unweighted = BalancedXGBClassifier(n_estimators=15, n_jobs=1, class_weight=None).fit(X, y)
    np.testing.assert_allclose(bal.predict_proba(X), ref.predict_proba(X), rtol=1e-6)
    # balancing raises the minority class's mean probability
    assert bal.predict_proba(X)[:, 1].mean() > unweighted.predict_proba(X)[:, 1].mean()


def test_multiclass_string_labels_through_the_pipeline(phantoms):
    labels = np.array(["normal", "benign", "malignant"] * 8)
    pipe = make_pipeline("deep", "xgboost", embeddings=_emb(), n_jobs=1)
    pipe.named_steps["clf"].set_params(n_estimators=10)
    pipe.fit(phantoms.images, labels)
    assert pipe.classes_.tolist() == ["benign", "malignant", "normal"]
    proba = pipe.predict_proba(phantoms.images[:4])
    assert proba.shape == (4, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(pipe.predict(phantoms.images[:4]), pipe.classes_[proba.argmax(1)])


def test_save_and_load_round_trip(phantoms, tmp_path):
    pipe = make_pipeline("fused", "xgboost", handcrafted=_hand(), embeddings=_emb(), n_jobs=1)
    pipe.named_steps["clf"].set_params(n_estimators=10)
    pipe.fit(phantoms.images, phantoms.labels)
    save_model(pipe, tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    np.testing.assert_allclose(loaded.predict_proba(phantoms.images[:6]), pipe.predict_proba(phantoms.images[:6]),
                               rtol=1e-6)


@pytest.mark.slow
def test_busi_example_runs_on_phantoms_and_scores_held_out_folds(tmp_path):
    import importlib.util
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "busi_classification.py"
    spec = importlib.util.spec_from_file_location("busi_classification", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--synthetic", "--quick", "--configs", "deep_logreg", "--threads", "1",
                        "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "busi_results.json").read_text())
    folds = results["configs"]["deep_logreg"]["folds"]
    assert len(folds) == 2
    assert sum(f["n_test"] for f in folds) == results["data"]["n_images"]  # every image scored once, held out
    assert all(f["n_train"] + f["n_test"] == results["data"]["n_images"] for f in folds)
    assert all(0.0 <= f["roc_auc"] <= 1.0 and f["fit_s"] > 0 for f in folds)
    assert results["versions"]["torch"] == torch.__version__ and results["settings"]["seed"] == 0
