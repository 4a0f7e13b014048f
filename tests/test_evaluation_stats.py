"""hybrid.evaluation.stats: DeLong vs a brute-force structural-components reference; bootstrap CIs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from hybrid.evaluation.stats import bootstrap_ci, delong_roc_variance, delong_test, midrank_auc


def _psi(x, y):
    return 1.0 if x > y else (0.5 if x == y else 0.0)


def _bruteforce_delong(y, s1, s2):
    """DeLong et al. (1988) by plain loops: structural components, covariance, z."""
    comps = []
    for s in (s1, s2):
        pos = [s[i] for i in range(len(y)) if y[i] == 1]
        neg = [s[i] for i in range(len(y)) if y[i] == 0]
        v10 = [sum(_psi(x, yy) for yy in neg) / len(neg) for x in pos]
        v01 = [sum(_psi(x, yy) for x in pos) / len(pos) for yy in neg]
        comps.append((sum(v10) / len(v10), v10, v01))
    m, n = len(comps[0][1]), len(comps[0][2])

    def cov(a, b):
        ma, mb = sum(a) / len(a), sum(b) / len(b)
        return sum((ai - ma) * (bi - mb) for ai, bi in zip(a, b)) / (len(a) - 1)

    s = [[cov(comps[i][1], comps[j][1]) / m + cov(comps[i][2], comps[j][2]) / n for j in range(2)] for i in range(2)]
    return comps[0][0], comps[1][0], s


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_delong_matches_bruteforce(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 60)
    s1 = np.round(y + rng.normal(0, 1, 60), 1)  # rounding creates ties
    s2 = np.round(0.5 * y + rng.normal(0, 1, 60), 1)
    auc1, auc2, s = _bruteforce_delong(list(y), list(s1), list(s2))
    r = delong_test(y, s1, s2)
    assert r["auc1"] == pytest.approx(auc1) and r["auc1"] == pytest.approx(roc_auc_score(y, s1))
    assert r["auc2"] == pytest.approx(auc2)
    assert r["var1"] == pytest.approx(s[0][0]) and r["var2"] == pytest.approx(s[1][1])
    assert r["cov"] == pytest.approx(s[0][1])
    z = (auc1 - auc2) / np.sqrt(s[0][0] + s[1][1] - 2 * s[0][1])
    assert r["z"] == pytest.approx(z)
    assert 0 < r["p_value"] < 1
    auc, var = delong_roc_variance(y, s1)
    assert (auc, var) == pytest.approx((auc1, s[0][0]))
    assert midrank_auc(y, s1) == pytest.approx(auc1)


def test_delong_identical_scores_p_is_one():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 30)
    s = rng.random(30)
    r = delong_test(y, s, s)
    assert r["diff"] == 0.0 and r["z"] == 0.0 and r["p_value"] == 1.0
    r2 = delong_test(y, s, 2 * s + 1)  # monotone transform ranks identically
    assert r2["p_value"] == 1.0


def test_delong_clear_difference_is_significant():
    rng = np.random.default_rng(4)
    y = np.repeat([0, 1], 100)
    good = y + rng.normal(0, 0.5, 200)
    bad = rng.normal(0, 1, 200)
    assert delong_test(y, good, bad)["p_value"] < 1e-6


def test_delong_rejects_non_binary():
    with pytest.raises(ValueError, match="0/1"):
        delong_test([0, 2, 1], [0.1, 0.2, 0.3], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="both classes"):
        delong_test([1, 1], [0.1, 0.2], [0.1, 0.2])


@pytest.mark.parametrize("metric", ["roc_auc", "accuracy"])
@pytest.mark.parametrize("stratified", [True, False])
def test_bootstrap_contains_estimate_and_is_reproducible(metric, stratified):
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 80)
    p1 = np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.2, 80), 0, 1)
    a = bootstrap_ci(y, p1, metric=metric, n_boot=500, seed=7, stratified=stratified)
    b = bootstrap_ci(y, p1, metric=metric, n_boot=500, seed=7, stratified=stratified)
    assert a == b
    assert a["low"] <= a["estimate"] <= a["high"]
    assert a["high"] - a["low"] > 0
    if metric == "roc_auc":
        assert a["estimate"] == pytest.approx(roc_auc_score(y, p1))


def test_bootstrap_auc_replicates_match_sklearn():
    """The vectorised replicate AUC equals sklearn's on the same resamples (percentiles agree)."""
    rng = np.random.default_rng(6)
    y = rng.integers(0, 3, 60)
    y[:3] = [0, 1, 2]
    p = rng.dirichlet(np.ones(3), 60)
    ci = bootstrap_ci(y, p, metric="roc_auc", n_boot=50, seed=1)
    ref = bootstrap_ci(
        y, p, metric=lambda yy, pp: roc_auc_score(yy, pp, multi_class="ovr"), n_boot=50, seed=1
    )
    assert (ci["low"], ci["high"]) == pytest.approx((ref["low"], ref["high"]))


def test_bootstrap_stratified_keeps_auc_defined():
    y = np.array([0] * 30 + [1])  # one positive: unstratified replicates often lack it
    p = np.linspace(0, 1, 31)
    assert bootstrap_ci(y, p, n_boot=300, seed=0)["n_invalid"] == 0
    assert bootstrap_ci(y, p, n_boot=300, seed=0, stratified=False)["n_invalid"] > 0


def test_bootstrap_bad_arguments():
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_ci([0, 1], [0.2, 0.8], n_boot=0)
    with pytest.raises(ValueError, match="metric"):
        bootstrap_ci([0, 1], [0.2, 0.8], metric="nope")
