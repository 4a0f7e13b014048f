"""Aggregating held-out folds: mean ± std per metric, pooled out-of-fold metrics with
bootstrap CIs, and the DeLong comparison of the best two families.

Definitions (pinned by ``tests/test_evaluation_summary.py``)
------------------------------------------------------------
* ``mean``/``std`` over folds ignore folds where the metric is ``nan`` (e.g. the AUC of a
  single-class fold; ``n`` says how many folds counted). ``std`` is the sample standard
  deviation (``ddof=1``); it is ``nan`` with fewer than two valid folds.
* Pooled metrics are computed once on the concatenated out-of-fold predictions (every
  sample predicted by the model that did not see it in training).
* The 95% CI is :func:`hybrid.evaluation.stats.bootstrap_ci` on the pooled predictions
  (percentile, 2000 class-stratified resamples, seeded).
* The DeLong comparison takes, within one setting, each family's best model by pooled
  ROC-AUC, and tests the top two families. Binary tasks only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from hybrid.evaluation.classification import SCALAR_METRICS, classification_metrics
from hybrid.evaluation.stats import bootstrap_ci, delong_test

__all__ = ["mean_std", "summarize_classification", "pooled_predictions", "compare_best_families"]


def mean_std(values: Sequence[float]) -> dict[str, float]:
    """``mean``, ``std`` (ddof=1) and ``n`` of the finite values.

    >>> mean_std([1.0, 3.0, float("nan")])
    {'mean': 2.0, 'std': 1.4142135623730951, 'n': 2}
    """
    v = np.asarray([x for x in values if x is not None], dtype=float)
    v = v[np.isfinite(v)]
    mean = float(v.mean()) if v.size else float("nan")
    std = float(v.std(ddof=1)) if v.size > 1 else float("nan")
    return {"mean": mean, "std": std, "n": int(v.size)}


def pooled_predictions(folds: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate the folds' ``test_index``, ``y_true`` and ``proba``, sorted by sample index."""
    idx = np.concatenate([np.asarray(f["test_index"], dtype=int) for f in folds])
    y = np.concatenate([np.asarray(f["y_true"], dtype=int) for f in folds])
    p = np.concatenate([np.asarray(f["proba"], dtype=float) for f in folds])
    order = np.argsort(idx, kind="stable")
    return idx[order], y[order], p[order]


def summarize_classification(
    folds: Sequence[dict[str, Any]], classes: Sequence[str], *, seed: int = 0, n_boot: int = 2000
) -> dict[str, Any]:
    """Summary of one model's folds.

    Parameters
    ----------
    folds : sequence of dict
        Each with ``metrics`` (from :func:`classification_metrics`), ``test_index``,
        ``y_true`` and ``proba``.
    classes : sequence of str
    seed, n_boot : int
        Bootstrap seed and replicates.

    Returns
    -------
    dict
        ``summary`` (metric -> mean/std/n, plus ``ci_low``/``ci_high`` for ``roc_auc`` and
        ``accuracy``), ``pooled`` (metrics of the pooled predictions), ``ci`` (bootstrap
        dicts), ``oof`` (``index``, ``y_true``, ``proba``) and ``warnings``.
    """
    summary = {m: mean_std([f["metrics"][m] for f in folds]) for m in SCALAR_METRICS}
    idx, y, p = pooled_predictions(folds)
    pooled = classification_metrics(y, p, classes)
    ci = {}
    for metric in ("roc_auc", "accuracy"):
        ci[metric] = bootstrap_ci(y, p, classes, metric=metric, n_boot=n_boot, seed=seed)
        summary[metric].update(ci_low=ci[metric]["low"], ci_high=ci[metric]["high"])
    warnings = [f"fold {f['fold']}: {w}" for f in folds for w in f["metrics"].get("warnings", [])]
    warnings += [f"pooled: {w}" for w in pooled["warnings"]]
    return {
        "summary": summary,
        "pooled": pooled,
        "ci": ci,
        "oof": {"index": idx.tolist(), "y_true": y.tolist(), "proba": p.tolist()},
        "warnings": warnings,
    }


def compare_best_families(models: Sequence[dict[str, Any]], n_classes: int) -> dict[str, Any]:
    """DeLong test between the best models of the two best families of one setting.

    ``models``: dicts with ``id``, ``family``, ``pooled`` (with ``roc_auc``) and ``oof``.
    Returns the :func:`delong_test` dict plus ``model1``/``model2`` (ids, best first), or a
    dict with ``p_value: None`` and a ``note`` when the test does not apply.
    """
    if n_classes != 2:
        return {"p_value": None, "note": "DeLong test applies to binary tasks only"}
    best: dict[str, dict[str, Any]] = {}
    for m in models:
        auc = m["pooled"]["roc_auc"]
        if not np.isfinite(auc):
            continue
        if m["family"] not in best or auc > best[m["family"]]["pooled"]["roc_auc"]:
            best[m["family"]] = m
    if len(best) < 2:
        return {"p_value": None, "note": "needs two families with a defined ROC-AUC"}
    a, b = sorted(best.values(), key=lambda m: -m["pooled"]["roc_auc"])[:2]
    if a["oof"]["index"] != b["oof"]["index"]:
        return {"p_value": None, "note": "the two models were not tested on the same samples"}
    y = np.asarray(a["oof"]["y_true"])
    out = delong_test(y, np.asarray(a["oof"]["proba"])[:, 1], np.asarray(b["oof"]["proba"])[:, 1])
    return {"model1": a["id"], "model2": b["id"], **out}
