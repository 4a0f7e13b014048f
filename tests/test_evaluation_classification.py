"""hybrid.evaluation.classification: metrics vs scikit-learn and the pinned definitions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from hybrid.evaluation.classification import classification_metrics


def _random_case(n, k, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    y[:k] = np.arange(k)  # every class present
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return y, p


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_matches_sklearn(seed):
    y, p = _random_case(80, 2, seed)
    m = classification_metrics(y, p, ["benign", "malignant"])
    pred = p.argmax(1)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert m["precision"] == pytest.approx(skm.precision_score(y, pred))
    assert m["recall"] == pytest.approx(skm.recall_score(y, pred))
    assert m["specificity"] == pytest.approx(skm.recall_score(y, pred, pos_label=0))
    assert m["f1"] == pytest.approx(skm.f1_score(y, pred))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p[:, 1]))
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert m["confusion_matrix"] == skm.confusion_matrix(y, pred).tolist()
    assert m["warnings"] == []


@pytest.mark.parametrize("seed", [0, 1])
def test_multiclass_matches_sklearn_macro(seed):
    y, p = _random_case(120, 3, seed)
    classes = ["a", "b", "c"]
    m = classification_metrics(y, p, classes)
    pred = p.argmax(1)
    assert m["precision"] == pytest.approx(skm.precision_score(y, pred, average="macro"))
    assert m["recall"] == pytest.approx(skm.recall_score(y, pred, average="macro"))
    assert m["f1"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p, multi_class="ovr", average="macro"))
    # specificity = macro one-vs-rest: recall of "not k" for each class k, averaged
    spec = np.mean([skm.recall_score(y != c, pred != c) for c in range(3)])
    assert m["specificity"] == pytest.approx(spec)
    assert m["per_class"]["b"]["support"] == int((y == 1).sum())
    assert "a" in m["report"] and "macro avg" in m["report"]


def test_string_labels_equal_indices():
    y, p = _random_case(40, 2, 3)
    names = np.array(["neg", "pos"])[y]
    assert classification_metrics(names, p, ["neg", "pos"])["f1"] == classification_metrics(y, p, ["neg", "pos"])["f1"]


def test_tie_at_half_predicts_negative_class():
    m = classification_metrics([0, 1], [[0.5, 0.5], [0.5, 0.5]], ["neg", "pos"])
    assert m["confusion_matrix"] == [[1, 0], [1, 0]]


def test_single_class_fold_auc_is_nan_and_reported():
    m = classification_metrics([1, 1, 1], [[0.2, 0.8], [0.6, 0.4], [0.1, 0.9]], ["neg", "pos"])
    assert np.isnan(m["roc_auc"])
    assert any("one class" in w for w in m["warnings"])
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["specificity"] == 0.0  # no negatives: zero division -> 0


def test_multiclass_missing_class_uses_present_classes():
    y = np.array([0, 0, 1, 1])
    p = np.array([[.8, .1, .1], [.3, .6, .1], [.2, .7, .1], [.1, .2, .7]])
    m = classification_metrics(y, p, ["a", "b", "c"])
    expected = np.mean([skm.roc_auc_score(y == 0, p[:, 0]), skm.roc_auc_score(y == 1, p[:, 1])])
    assert m["roc_auc"] == pytest.approx(expected)
    assert any("[2]" in w for w in m["warnings"])


def test_one_d_binary_proba_accepted():
    a = classification_metrics([0, 1, 1], [0.2, 0.7, 0.4], ["n", "p"])
    b = classification_metrics([0, 1, 1], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]], ["n", "p"])
    assert a["confusion_matrix"] == b["confusion_matrix"] and a["roc_auc"] == b["roc_auc"]


@pytest.mark.parametrize(
    "y, p, match",
    [
        ([0, 1], [[0.5, 0.5]], "shape"),
        ([0, 3], [[0.5, 0.5], [0.5, 0.5]], "indices"),
        (["x", "n"], [[0.5, 0.5], [0.5, 0.5]], "not in classes"),
        ([0, 1], [[np.nan, 0.5], [0.5, 0.5]], "NaN"),
        ([], np.zeros((0, 2)), "non-empty"),
    ],
)
def test_bad_input_names_the_problem(y, p, match):
    with pytest.raises(ValueError, match=match):
        classification_metrics(y, p, ["n", "p"])
