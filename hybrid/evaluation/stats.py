"""Uncertainty and significance for held-out predictions: bootstrap CIs and the DeLong test.

Definitions (chosen on purpose, pinned by ``tests/test_evaluation_stats.py``)
-------------------------------------------------------------------------------
* :func:`bootstrap_ci` uses the **percentile** bootstrap (Efron & Tibshirani 1993,
  doi:10.1007/978-1-4899-4541-9): resample the *n* held-out samples with replacement
  ``n_boot`` times, recompute the metric, and take the ``alpha/2`` and ``1 - alpha/2``
  quantiles (``numpy.quantile``, linear interpolation). By default the resampling is
  **stratified**: each class is resampled within itself, so every replicate keeps the
  class counts of the data and ROC-AUC is always defined. With ``stratified=False``
  replicates that lack a class (AUC undefined) are dropped and counted in ``n_invalid``.
  Replicates are drawn from ``numpy.random.default_rng(seed)``: same seed, same interval.
* :func:`delong_test` compares two correlated ROC-AUCs measured on the same samples
  (DeLong, DeLong & Clarke-Pearson 1988, doi:10.2307/2531595) with the fast mid-rank
  algorithm of Sun & Xu (2014, doi:10.1109/LSP.2014.2337313). Structural-component
  covariances use ``ddof=1`` (the 1/(m-1) of DeLong et al.). The two-sided p-value comes
  from the normal approximation. When the variance of the difference is zero (e.g. both
  score vectors rank the samples identically) the difference is exactly zero and the test
  returns ``z = 0`` and ``p = 1.0``; if the variance is zero but the AUCs differ (only
  possible with degenerate one-sample classes) ``p`` is ``nan``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["bootstrap_ci", "delong_test", "delong_roc_variance", "midrank_auc"]


def _binary_inputs(y_true: Any, score: Any, name: str = "score") -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(score, dtype=np.float64)
    if y.ndim != 1 or s.shape != y.shape:
        raise ValueError(f"y_true and {name} must be 1-D arrays of the same length, got {y.shape} and {s.shape}")
    labels = np.unique(y)
    if not np.isin(labels, [0, 1]).all():
        raise ValueError(f"y_true must hold 0/1 labels for a binary test, got {labels.tolist()}")
    if labels.size < 2:
        raise ValueError("y_true must contain both classes (0 and 1) to compare ROC-AUCs")
    if not np.isfinite(s).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return y.astype(bool), s


def _midranks(x: np.ndarray) -> np.ndarray:
    """Mid-ranks (1-based, ties get the average rank) along the last axis."""
    from scipy.stats import rankdata

    return rankdata(x, axis=-1, method="average")


def midrank_auc(y_true: Any, score: Any) -> float:
    """ROC-AUC of a binary score through mid-ranks (Mann-Whitney U / (m n)); ties count 1/2.

    >>> midrank_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y, s = _binary_inputs(y_true, score)
    m, n = int(y.sum()), int((~y).sum())
    r = _midranks(s)
    return float((r[y].sum() - m * (m + 1) / 2) / (m * n))


def _structural_components(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sun & Xu's fast structural components for ``scores`` of shape (k, n).

    Returns ``(auc (k,), v10 (k, m), v01 (k, n_neg))``.
    """
    pos, neg = scores[:, y], scores[:, ~y]
    m, n = pos.shape[1], neg.shape[1]
    tx = _midranks(pos)
    ty = _midranks(neg)
    tz = _midranks(np.concatenate([pos, neg], axis=1))
    auc = tz[:, :m].sum(axis=1) / (m * n) - (m + 1) / (2.0 * n)
    v10 = (tz[:, :m] - tx) / n
    v01 = 1.0 - (tz[:, m:] - ty) / m
    return auc, v10, v01


def delong_roc_variance(y_true: Any, score: Any) -> tuple[float, float]:
    """ROC-AUC and its DeLong variance estimate for one binary score.

    ``var = S10 / m + S01 / n`` where ``S10``/``S01`` are the sample variances (ddof=1) of
    the structural components of the ``m`` positives and ``n`` negatives
    (DeLong et al. 1988, doi:10.2307/2531595).

    >>> auc, var = delong_roc_variance([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> auc, round(var, 6)
    (0.75, 0.125)
    """
    y, s = _binary_inputs(y_true, score)
    auc, v10, v01 = _structural_components(y, s[None, :])
    m, n = v10.shape[1], v01.shape[1]
    s10 = np.var(v10[0], ddof=1) if m > 1 else 0.0
    s01 = np.var(v01[0], ddof=1) if n > 1 else 0.0
    return float(auc[0]), float(s10 / m + s01 / n)


def delong_test(y_true: Any, score1: Any, score2: Any) -> dict[str, float]:
    """DeLong test of equal ROC-AUC for two scores on the same samples (two-sided).

    Parameters
    ----------
    y_true : array_like of {0, 1}, shape (n,)
        True binary labels (1 = positive).
    score1, score2 : array_like, shape (n,)
        Scores (e.g. probability of the positive class) of the two models being compared,
        on the *same* held-out samples in the same order.

    Returns
    -------
    dict
        ``auc1``, ``auc2``, ``diff`` (= auc1 - auc2), ``var1``, ``var2``, ``cov``,
        ``se_diff``, ``z``, ``p_value``.

    References
    ----------
    DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas under two or more
    correlated receiver operating characteristic curves: a nonparametric approach.
    Biometrics 44(3):837-845. doi:10.2307/2531595
    Sun X, Xu W (2014). Fast implementation of DeLong's algorithm for comparing the areas
    under correlated receiver operating characteristic curves. IEEE Signal Processing
    Letters 21(11):1389-1393. doi:10.1109/LSP.2014.2337313

    Examples
    --------
    >>> r = delong_test([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], [0.1, 0.4, 0.35, 0.8])
    >>> r["diff"], r["p_value"]
    (0.0, 1.0)
    """
    from scipy.stats import norm

    y, s1 = _binary_inputs(y_true, score1, "score1")
    _, s2 = _binary_inputs(y_true, score2, "score2")
    auc, v10, v01 = _structural_components(y, np.vstack([s1, s2]))
    m, n = v10.shape[1], v01.shape[1]
    s10 = np.cov(v10, ddof=1) if m > 1 else np.zeros((2, 2))
    s01 = np.cov(v01, ddof=1) if n > 1 else np.zeros((2, 2))
    cov = s10 / m + s01 / n
    diff = float(auc[0] - auc[1])
    var_diff = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    if var_diff <= 1e-15:
        z, p = (0.0, 1.0) if abs(diff) < 1e-12 else (float("nan"), float("nan"))
    else:
        z = diff / np.sqrt(var_diff)
        p = float(2 * norm.sf(abs(z)))
    return {
        "auc1": float(auc[0]),
        "auc2": float(auc[1]),
        "diff": diff,
        "var1": float(cov[0, 0]),
        "var2": float(cov[1, 1]),
        "cov": float(cov[0, 1]),
        "se_diff": float(np.sqrt(max(var_diff, 0.0))),
        "z": float(z),
        "p_value": float(p),
    }


def _resample_indices(y: np.ndarray, n_boot: int, rng: np.random.Generator, stratified: bool) -> np.ndarray:
    n = y.size
    if not stratified:
        return rng.integers(0, n, size=(n_boot, n))
    parts = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        parts.append(members[rng.integers(0, members.size, size=(n_boot, members.size))])
    return np.concatenate(parts, axis=1)


def _batched_auc(y: np.ndarray, proba: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """ROC-AUC (binary, or macro one-vs-rest) of every bootstrap replicate ``idx`` (B, n)."""
    k = proba.shape[1]
    cols = [1] if k == 2 else list(range(k))
    yb = y[idx]
    per_class = []
    for c in cols:
        pos = yb == c
        m = pos.sum(axis=1)
        n = pos.shape[1] - m
        r = _midranks(proba[idx, c])
        with np.errstate(invalid="ignore", divide="ignore"):
            a = ((r * pos).sum(axis=1) - m * (m + 1) / 2) / (m * n)
        per_class.append(np.where((m > 0) & (n > 0), a, np.nan))
    stacked = np.vstack(per_class)
    if k == 2:
        return stacked[0]
    valid = ~np.isnan(stacked)
    counts = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, np.nansum(stacked, axis=0) / np.maximum(counts, 1), np.nan)


def bootstrap_ci(
    y_true: Any,
    proba: Any,
    classes: Any = None,
    *,
    metric: str | Callable[[np.ndarray, np.ndarray], float] = "roc_auc",
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
    stratified: bool = True,
) -> dict[str, Any]:
    """Percentile bootstrap confidence interval of a held-out metric.

    Parameters
    ----------
    y_true : array_like of int or str, shape (n,)
        True class indices (or names, with ``classes``).
    proba : array_like, shape (n, n_classes) or (n,) for binary
        Held-out predicted probabilities.
    classes : sequence of str, optional
        Class names; defaults to ``["0", "1", ...]`` for the columns of ``proba``.
    metric : {"roc_auc", "accuracy"} or callable
        ``"roc_auc"`` follows :func:`hybrid.evaluation.classification.roc_auc` (binary, or
        macro one-vs-rest); ``"accuracy"`` uses the arg-max prediction. A callable
        receives ``(y_idx, proba)`` of one replicate and returns a float.
    n_boot : int
        Number of bootstrap replicates.
    alpha : float
        ``1 - alpha`` is the coverage (0.05 gives a 95% interval).
    seed : int
        Seed of ``numpy.random.default_rng``; the interval is reproducible from it.
    stratified : bool
        Resample within each class (default) or over all samples.

    Returns
    -------
    dict
        ``estimate`` (the metric on the data themselves), ``low``, ``high``, ``n_boot``,
        ``n_invalid`` (replicates where the metric was undefined), ``alpha``, ``method``
        (``"percentile"``), ``stratified``, ``seed``.

    Examples
    --------
    >>> ci = bootstrap_ci([0, 0, 1, 1, 0, 1], [.2, .3, .7, .6, .4, .9], metric="accuracy", n_boot=200)
    >>> ci["estimate"], ci["low"] <= ci["estimate"] <= ci["high"]
    (1.0, True)
    """
    from hybrid.evaluation.classification import check_predictions, predicted_labels, roc_auc

    p0 = np.asarray(proba, dtype=np.float64)
    if classes is None:
        classes = [str(i) for i in range(2 if p0.ndim == 1 else p0.shape[1])]
    y, p = check_predictions(y_true, proba, classes)
    if int(n_boot) < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    rng = np.random.default_rng(seed)
    idx = _resample_indices(y, int(n_boot), rng, stratified)
    if metric == "roc_auc":
        estimate = roc_auc(y, p)[0]
        values = _batched_auc(y, p, idx)
    elif metric == "accuracy":
        correct = predicted_labels(p) == y
        estimate = float(correct.mean())
        values = correct[idx].mean(axis=1)
    elif callable(metric):
        estimate = float(metric(y, p))
        values = np.array([metric(y[i], p[i]) for i in idx], dtype=float)
    else:
        raise ValueError(f"metric must be 'roc_auc', 'accuracy' or a callable, got {metric!r}")
    ok = values[np.isfinite(values)]
    low, high = (np.quantile(ok, [alpha / 2, 1 - alpha / 2]) if ok.size else (np.nan, np.nan))
    return {
        "estimate": float(estimate),
        "low": float(low),
        "high": float(high),
        "n_boot": int(n_boot),
        "n_invalid": int(values.size - ok.size),
        "alpha": float(alpha),
        "method": "percentile",
        "stratified": bool(stratified),
        "seed": int(seed),
    }
