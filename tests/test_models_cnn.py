"""CNNClassifier: scikit-learn contract, labels, multi-class, cross_validate, splits, augmentation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import cross_validate

from hybrid.data.synthetic import make_phantoms
from hybrid.models.cnn import CNNClassifier, make_augmentation


FAST = dict(image_size=32, epochs=1, batch_size=4, random_state=0)


@pytest.fixture(scope="module")
def phantoms():
    return make_phantoms(12, size=48, seed=0, difficulty=0.2)


@pytest.fixture(scope="module")
def fitted(phantoms):
    clf = CNNClassifier(val_fraction=0.25, augmentation="A", **FAST)
    return clf.fit(phantoms.images, phantoms.labels, groups=phantoms.groups)


def test_fit_predict_proba_shapes_and_string_labels(fitted, phantoms):
    assert fitted.classes_.tolist() == ["benign", "malignant"]
    proba = fitted.predict_proba(phantoms.images[:5])
    assert proba.shape == (5, 2) and proba.dtype == np.float64
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-12) and (proba >= 0).all()
    pred = fitted.predict(phantoms.images[:5])
    assert set(pred) <= {"benign", "malignant"}
    assert np.array_equal(pred, fitted.classes_[proba.argmax(axis=1)])
    assert fitted.n_train_ + fitted.n_val_ == 12 and fitted.n_val_ > 0
    assert fitted.history_.columns[:4] == ["epoch", "lr", "train_loss", "val_loss"]


def test_prediction_is_deterministic_and_batch_independent(fitted, phantoms):
    full = fitted.predict_proba(phantoms.images[:6])
    one_by_one = np.vstack([fitted.predict_proba([im]) for im in phantoms.images[:6]])
    assert np.allclose(full, one_by_one, atol=1e-6)


def test_same_seed_same_model(phantoms):
    a = CNNClassifier(val_fraction=0, augmentation="B", **FAST).fit(phantoms.images[:8], phantoms.labels[:8])
    b = CNNClassifier(val_fraction=0, augmentation="B", **FAST).fit(phantoms.images[:8], phantoms.labels[:8])
    assert np.array_equal(a.predict_proba(phantoms.images[8:]), b.predict_proba(phantoms.images[8:]))


def test_multiclass_integer_labels_rgb_images():
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, (40, 36, 3), dtype=np.uint8) for _ in range(9)]
    y = np.array([3, 7, 5] * 3)
    clf = CNNClassifier(val_fraction=0, augmentation=None, class_weight=None, **FAST).fit(images, y)
    assert clf.classes_.tolist() == [3, 5, 7] and clf.in_chans_ == 3
    proba = clf.predict_proba(images[:4])
    assert proba.shape == (4, 3) and np.allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(images)) <= {3, 5, 7}
    assert clf.history_.columns == ["epoch", "lr", "train_loss"]  # no hold-out -> no val columns


def test_channel_selection_and_adapt_mode():
    rng = np.random.default_rng(2)
    images = [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(6)]
    clf = CNNClassifier(channels=[0, 2], channel_mode="adapt", val_fraction=0, augmentation=None, **FAST)
    clf.fit(images, ["a", "b"] * 3)
    assert clf.in_chans_ == 2 and clf.predict_proba(images).shape == (6, 2)
    with pytest.raises(ValueError, match="adapt"):
        CNNClassifier(channels=[0, 2], val_fraction=0, **FAST).fit(images, ["a", "b"] * 3)


def test_clone_and_cross_validate(phantoms):
    clf = CNNClassifier(val_fraction=0, augmentation=None, **FAST)
    assert clone(clf).get_params() == clf.get_params()
    assert not hasattr(clone(clf), "classes_")
    scores = cross_validate(clf, phantoms.images[:8], phantoms.labels[:8], cv=2, scoring=["accuracy", "roc_auc"])
    assert scores["test_accuracy"].shape == (2,) and np.isfinite(scores["test_roc_auc"]).all()


def test_validation_split_is_grouped_and_stratified():
    clf = CNNClassifier(val_fraction=0.25, random_state=3)
    y = np.array([0, 1] * 8)
    groups = np.repeat(np.arange(8), 2)  # each group holds one sample of each class
    clf.classes_ = np.array([0, 1])
    train, val = clf._split(y, groups)
    assert set(groups[train]).isdisjoint(groups[val])
    assert len(val) == 4 and set(y[val]) == {0, 1}
    train2, val2 = clf._split(y, None)
    assert len(val2) == 4 and np.bincount(y[val2]).tolist() == [2, 2]


def test_augmentation_presets_output_unit_range():
    zero, one = torch.zeros(1, 32, 32), torch.ones(1, 32, 32)
    for name in ("A", "B", "none"):
        aug = make_augmentation(name, 32)
        torch.manual_seed(0)
        low, _ = aug(zero, None)
        high, _ = aug(one, None)
        assert low.shape == (1, 32, 32)
        assert low.min() >= -1e-6 and high.max() <= 1 + 1e-6, name
        assert low.max() <= 0.2, name  # black stays (near) black: no leftover offset
        assert high.max() > 0.7, name  # not squeezed into half the range
    assert make_augmentation(None, 32) is None
    flip = lambda im, m: (im.flip(-1), m)  # noqa: E731
    assert make_augmentation(flip, 32) is flip


@pytest.mark.parametrize("kwargs, match", [
    (dict(backbone="alexnet"), "backbone"), (dict(augmentation="C"), "augmentation"),
    (dict(val_fraction=0.8), "val_fraction"), (dict(class_weight="auto"), "class_weight"),
    (dict(optimizer="rmsprop"), "optimizer"), (dict(val_fraction=0, monitor="val_roc_auc"), "val_fraction"),
    (dict(image_size=4), "image_size"),
])
def test_bad_parameters_are_named(phantoms, kwargs, match):
    with pytest.raises(ValueError, match=match):
        CNNClassifier(**{**FAST, **kwargs}).fit(phantoms.images[:6], phantoms.labels[:6])


def test_bad_inputs(phantoms):
    clf = CNNClassifier(val_fraction=0, **FAST)
    with pytest.raises(ValueError, match="2 classes"):
        clf.fit(phantoms.images[:4], ["a"] * 4)
    with pytest.raises(ValueError, match="one label per image"):
        clf.fit(phantoms.images[:4], ["a", "b"])
    with pytest.raises(ValueError, match="groups"):
        clf.fit(phantoms.images[:4], ["a", "b"] * 2, groups=[1, 2])
    with pytest.raises(ValueError, match=r"images\[1\]"):
        clf.fit([phantoms.images[0], np.full((32, 32), np.nan)], ["a", "b"])
    with pytest.raises(ValueError, match="groups/samples"):
        CNNClassifier(val_fraction=0.1, **FAST).fit(phantoms.images[:6], phantoms.labels[:6])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CNNClassifier().predict_proba(phantoms.images[:1])


def test_resume_continues_a_shorter_run_exactly(phantoms, tmp_path):
    images, y = phantoms.images[:8], phantoms.labels[:8]
    opts = dict(val_fraction=0, augmentation="B", step_size=1, gamma=0.5, **FAST)
    straight = CNNClassifier(**{**opts, "epochs": 2}, checkpoint_dir=tmp_path / "a").fit(images, y)
    CNNClassifier(**opts, checkpoint_dir=tmp_path / "b").fit(images, y)  # 1 epoch
    resumed = CNNClassifier(**{**opts, "epochs": 2}, checkpoint_dir=tmp_path / "b", resume=True).fit(images, y)
    assert resumed.history_ == straight.history_ and resumed.history_.column("lr") == [1e-3, 5e-4]
    assert np.array_equal(resumed.predict_proba(images), straight.predict_proba(images))
    with pytest.raises(ValueError, match="fingerprint"):  # other data must not continue this run
        CNNClassifier(**{**opts, "epochs": 3}, checkpoint_dir=tmp_path / "b", resume=True).fit(images, y[::-1])


def test_max_minutes_reaches_the_trainer_time_budget(phantoms, monkeypatch):
    """Fake 10-s clock ticks, 1-minute budget: the classifier's fit stops by time after 3 of 5 epochs."""
    ticks = iter(np.arange(10.0, 1000.0, 10.0))
    monkeypatch.setattr("hybrid.training.trainer.default_clock", lambda: float(next(ticks)))
    clf = CNNClassifier(val_fraction=0, augmentation=None, max_minutes=1.0,
                        **{**FAST, "epochs": 5}).fit(phantoms.images, phantoms.labels)
    assert len(clf.history_) == 3 and clf.history_.stopped_by == "time_budget"
    unlimited = CNNClassifier(val_fraction=0, augmentation=None, **{**FAST, "epochs": 2}).fit(phantoms.images,
                                                                                           phantoms.labels)
    assert unlimited.history_.stopped_by == "epochs"
