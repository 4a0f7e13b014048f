"""hybrid.evaluation.summary: fold aggregation, pooled predictions, best-two-families DeLong."""

from __future__ import annotations

import numpy as np
import pytest

from hybrid.evaluation.classification import classification_metrics
from hybrid.evaluation.stats import delong_test
from hybrid.evaluation.summary import compare_best_families, mean_std, pooled_predictions, summarize_classification


def test_mean_std_ignores_nan_and_uses_ddof1():
    r = mean_std([0.5, np.nan, 0.7, 0.9])
    assert r["n"] == 3 and r["mean"] == pytest.approx(0.7)
    assert r["std"] == pytest.approx(np.std([0.5, 0.7, 0.9], ddof=1))
    assert np.isnan(mean_std([0.4])["std"]) and np.isnan(mean_std([])["mean"])


def _folds(scores, y, parts):
    out = []
    for k, idx in enumerate(parts):
        p = np.column_stack([1 - scores[idx], scores[idx]])
        out.append({"fold": k, "test_index": idx.tolist(), "y_true": y[idx].tolist(), "proba": p.tolist(),
                    "metrics": classification_metrics(y[idx], p, ["n", "p"])})
    return out


def test_pooled_predictions_are_sorted_by_sample():
    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 10)
    s = rng.random(20)
    parts = [np.array([1, 5, 2, 8, 11, 14, 17, 18, 0, 3]), np.array([4, 6, 7, 9, 10, 12, 13, 15, 16, 19])]
    idx, yy, pp = pooled_predictions(_folds(s, y, parts))
    assert idx.tolist() == list(range(20))
    np.testing.assert_array_equal(yy, y)
    np.testing.assert_allclose(pp[:, 1], s)


def test_summary_has_fold_mean_and_pooled_ci():
    rng = np.random.default_rng(1)
    y = np.tile([0, 1], 30)
    s = np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.2, 60), 0, 1)
    parts = [np.arange(0, 30), np.arange(30, 60)]
    folds = _folds(s, y, parts)
    r = summarize_classification(folds, ["n", "p"], n_boot=300, seed=2)
    fold_aucs = [f["metrics"]["roc_auc"] for f in folds]
    assert r["summary"]["roc_auc"]["mean"] == pytest.approx(np.mean(fold_aucs))
    assert r["summary"]["roc_auc"]["ci_low"] <= r["pooled"]["roc_auc"] <= r["summary"]["roc_auc"]["ci_high"]
    assert r["pooled"]["n"] == 60


def test_single_class_fold_warned_and_excluded_from_auc_mean():
    y = np.array([1, 1, 1, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.2, 0.6, 0.4])
    folds = _folds(s, y, [np.array([0, 1, 2]), np.array([3, 4, 5])])
    r = summarize_classification(folds, ["n", "p"], n_boot=50)
    assert r["summary"]["roc_auc"]["n"] == 1
    assert any(w.startswith("fold 0") and "one class" in w for w in r["warnings"])


def test_compare_best_families_picks_best_per_family():
    rng = np.random.default_rng(3)
    y = np.tile([0, 1], 40)
    parts = [np.arange(0, 40), np.arange(40, 80)]

    def model(mid, family, noise):
        s = np.clip(0.5 + 0.4 * (y - 0.5) + rng.normal(0, noise, 80), 0, 1)
        m = {"id": mid, "family": family}
        m.update(summarize_classification(_folds(s, y, parts), ["n", "p"], n_boot=20))
        return m

    models = [model("hc/svm", "handcrafted", 0.1), model("hc/lr", "handcrafted", 0.6),
              model("deep/lr", "deep", 0.3), model("fused/svm", "fused", 1.0)]
    r = compare_best_families(models, 2)
    assert (r["model1"], r["model2"]) == ("hc/svm", "deep/lr")
    ref = delong_test(y, np.asarray(models[0]["oof"]["proba"])[:, 1], np.asarray(models[2]["oof"]["proba"])[:, 1])
    assert r["p_value"] == pytest.approx(ref["p_value"])
    assert compare_best_families(models[:2], 2)["p_value"] is None
    assert "binary" in compare_best_families(models, 3)["note"]
