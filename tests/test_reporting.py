"""hybrid.reporting: figures render, report.html is self-contained, report.md links existing PNGs."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from hybrid.evaluation.summary import summarize_classification
from hybrid.evaluation.classification import classification_metrics
from hybrid.reporting.plots import roc_curve_points
from hybrid.reporting.report import build_blocks, make_figures, render_markdown, write_report

CLASSES = ["benign", "malignant"]


def _fold(k, idx, y, rng, strength, history=False):
    p1 = np.clip(0.5 + strength * (y - 0.5) + rng.normal(0, 0.25, y.size), 0.01, 0.99)
    proba = np.column_stack([1 - p1, p1])
    hist = {"rows": [{"epoch": 1, "train_loss": 0.7, "val_auc": 0.6}, {"epoch": 2, "train_loss": 0.5, "val_auc": 0.7}],
            "monitor": "val_auc", "best_epoch": 2, "stopped_early": False} if history else None
    return {"fold": k, "n_train": 30, "n_test": int(y.size), "test_index": idx.tolist(), "y_true": y.tolist(),
            "proba": proba.tolist(), "metrics": classification_metrics(y, proba, CLASSES),
            "timing": {"fit_s": 1.0, "infer_ms_per_image": 2.0}, "history": hist}


def _results():
    rng = np.random.default_rng(0)
    y_all = np.tile([0, 1], 20)
    folds_idx = [np.arange(0, 20), np.arange(20, 40)]
    models = []
    for family, clf, strength in (("handcrafted", "svm", 0.4), ("deep", "cnn", 0.2), ("fused", "svm", 0.5)):
        folds = [_fold(k, idx, y_all[idx], rng, strength, history=clf == "cnn") for k, idx in enumerate(folds_idx)]
        m = {"id": f"whole/{family}/{clf}", "setting": "whole", "family": family, "classifier": clf, "key": "k",
             "folds": folds, "timing": {"fit_s": 1.0, "infer_ms_per_image": 2.0}}
        m.update(summarize_classification(folds, CLASSES, n_boot=200))
        models.append(m)
    return {"suite": "unit", "task": "classification", "config": {"name": "unit", "description": "a <b>test</b>"},
            "seed": 0, "versions": {"python": "3"}, "machine": {"platform": "x", "cpu_count": 2},
            "date": "2026-01-01", "wall_time_s": 1.0,
            "dataset": {"description": "toy", "n": 40, "classes": CLASSES, "class_counts": {"benign": 20},
                        "n_groups": 40, "split": "2-fold"},
            "models": models, "comparisons": [{"setting": "whole", "model1": "a", "model2": "b", "auc1": 0.9,
                                               "auc2": 0.8, "diff": 0.1, "p_value": 0.04}]}


def test_report_is_self_contained(tmp_path):
    results = _results()
    results["figures"] = make_figures(results, tmp_path)
    md, html = write_report(results, tmp_path)
    text = html.read_text()
    srcs = re.findall(r'src="([^"]*)"', text)
    assert len(srcs) == 3  # ROC, confusion matrices, training curves
    for src in srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "http://" not in text and "https://" not in text
    assert "<link" not in text and "<script" not in text
    assert "a &lt;b&gt;test&lt;/b&gt;" in text  # user text is escaped
    mdtext = md.read_text()
    for rel in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", mdtext):
        assert (tmp_path / rel).is_file()
    assert "whole" in mdtext and "fused" in mdtext and "DeLong" in mdtext


def test_metric_table_shows_mean_std_and_ci(tmp_path):
    results = _results()
    md = render_markdown(build_blocks(results))
    m = results["models"][0]
    auc = m["summary"]["roc_auc"]
    cell = f"{auc['mean']:.3f} ± {auc['std']:.3f} [{auc['ci_low']:.3f}, {auc['ci_high']:.3f}]"
    assert cell in md


def test_speed_markdown_becomes_html_table(tmp_path):
    markdown = "## Speed\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- x <1>\n- y\n"
    results = {"suite": "speed", "task": "speed", "config": {}, "markdown": markdown}
    _, html = write_report(results, tmp_path)
    text = html.read_text()
    table = "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr>"
    assert f'<div class="scroll">{table}' in text
    assert "<h2>Speed</h2>" in text
    assert "<ul><li>x &lt;1&gt;</li><li>y</li></ul>" in text


@pytest.mark.parametrize("k", [2, 3])
def test_roc_points_match_sklearn(k):
    from sklearn.metrics import roc_curve

    rng = np.random.default_rng(k)
    y = rng.integers(0, k, 50)
    p = rng.dirichlet(np.ones(k), 50)
    fpr, tpr = roc_curve_points(y, p)
    if k == 2:
        ref_fpr, ref_tpr, _ = roc_curve(y == 1, p[:, 1])
    else:
        ref_fpr, ref_tpr, _ = roc_curve(np.eye(k, dtype=bool)[y].ravel(), p.ravel())
    np.testing.assert_allclose(fpr, ref_fpr)
    np.testing.assert_allclose(tpr, ref_tpr)
