"""GroupCalibratedClassifierCV: grouped calibration folds when fit gets groups, unchanged otherwise."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.calibration
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

from hybrid.deep import CNNEmbeddings
from hybrid.models import CNNClassifier, GroupCalibratedClassifierCV, group_fit_params, make_pipeline


@pytest.fixture
def grouped_data():
    """40 samples in 10 groups of 4 (2 per class): plain stratified folds would split groups."""
    rng = np.random.default_rng(0)
    y = np.tile([0, 1, 0, 1], 10)
    X = rng.normal(size=(40, 3)) + y[:, None]
    groups = np.repeat(np.arange(10), 4)
    return X, y, groups


@pytest.fixture
def cv_spy(monkeypatch):
    """Records the cv argument CalibratedClassifierCV hands to cross_val_predict (ensemble=False)."""
    seen = []
    real = sklearn.calibration.cross_val_predict

    def spy(*args, cv=None, **kwargs):
        seen.append(list(cv.split(kwargs["X"], kwargs["y"])))
        return real(*args, cv=cv, **kwargs)

    monkeypatch.setattr(sklearn.calibration, "cross_val_predict", spy)
    return seen


def _svm(folds=4):
    return GroupCalibratedClassifierCV(SVC(), cv=StratifiedKFold(folds, shuffle=True, random_state=0),
                                       ensemble=False)


def test_groups_make_every_calibration_fold_grouped(grouped_data, cv_spy):
    X, y, groups = grouped_data
    cal = _svm().fit(X, y, groups=groups)
    (splits,) = cv_spy
    assert len(splits) == 4
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
        assert set(y[test]) == {0, 1}  # still stratified
    assert sorted(np.concatenate([t for _, t in splits]).tolist()) == list(range(40))
    assert isinstance(cal.cv, StratifiedKFold)  # the parameter is restored after fit
    assert cal.predict_proba(X).shape == (40, 2)


def test_without_groups_it_is_the_parent(grouped_data, cv_spy):
    X, y, groups = grouped_data
    ours = _svm().fit(X, y).predict_proba(X)
    theirs = CalibratedClassifierCV(SVC(), cv=StratifiedKFold(4, shuffle=True, random_state=0),
                                    ensemble=False).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(ours, theirs)
    ungrouped = cv_spy[0]
    assert any(set(groups[train]) & set(groups[test]) for train, test in ungrouped)  # the defect groups fix


def test_pipeline_routes_groups_to_the_calibrated_classifier(grouped_data, cv_spy):
    X, y, groups = grouped_data
    pipe = make_pipeline("deep", "svm", embeddings=CNNEmbeddings(image_size=32), calibration_cv=4)
    rest = pipe[1:]  # scaler -> calibrated SVM, on precomputed features
    params = group_fit_params(rest, groups)
    assert list(params) == ["clf__groups"]
    rest.fit(X, y, **params)
    for train, test in cv_spy[0]:
        assert not set(groups[train]) & set(groups[test])


def test_group_fit_params_only_where_accepted(grouped_data):
    _, _, groups = grouped_data
    assert group_fit_params(make_pipeline("deep", "logreg", embeddings=CNNEmbeddings(image_size=32)), groups) == {}
    assert group_fit_params(LogisticRegression(), groups) == {}
    assert list(group_fit_params(CNNClassifier(), groups)) == ["groups"]
    assert group_fit_params(_svm(), None) == {}


def test_clear_errors(grouped_data):
    X, y, groups = grouped_data
    with pytest.raises(ValueError, match="one entry per sample"):
        _svm().fit(X, y, groups=groups[:-1])
    with pytest.raises(ValueError, match="cv to be an int or a splitter"):
        GroupCalibratedClassifierCV(SVC(), cv=[(np.arange(20), np.arange(20, 40))]).fit(X, y, groups=groups)
    with pytest.raises(ValueError, match="at least 2 groups"):
        _svm().fit(X, y, groups=np.zeros(len(y), int))


def test_fewer_groups_than_folds_uses_one_fold_per_group(grouped_data, cv_spy):
    """A training fold with 10 groups and cv=20: 10 grouped folds and a warning, not a crash."""
    X, y, groups = grouped_data
    with pytest.warns(UserWarning, match="10 groups cannot make cv=20 folds; using 10 folds"):
        cal = _svm(folds=20).fit(X, y, groups=groups)
    (splits,) = cv_spy
    assert len(splits) == 10
    for train, test in splits:
        assert set(groups[train]).isdisjoint(groups[test])
    assert cal.predict_proba(X).shape == (len(y), 2)
