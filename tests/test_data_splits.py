"""hybrid.data.splits: grouped stratified folds that cannot leak, near-duplicates, union-find."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybrid.data.splits import (
    DEFAULT_MAX_DISTANCE,
    group_stratified_kfold,
    hash_groups,
    merge_groups,
    near_duplicate_groups,
    perceptual_hash,
    train_val_test_split,
)
from hybrid.data.synthetic import make_phantoms


def _toy(n_groups=40, seed=0):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 6, n_groups)
    groups = np.repeat([f"p{i}" for i in range(n_groups)], sizes)
    y = np.repeat(rng.integers(0, 2, n_groups), sizes)  # label constant within a patient
    return y, groups


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), n_splits=st.integers(2, 6))
def test_no_group_crosses_folds(seed, n_splits):
    y, groups = _toy(30, seed)
    folds = group_stratified_kfold(y, groups, n_splits=n_splits, seed=seed)
    assert len(folds) == n_splits
    seen = np.concatenate([te for _, te in folds])
    assert np.array_equal(np.sort(seen), np.arange(y.size))  # each index tested exactly once
    for tr, te in folds:
        assert not set(groups[tr]) & set(groups[te])
        assert np.intersect1d(tr, te).size == 0 and tr.size + te.size == y.size


def test_folds_are_stratified_and_seeded():
    y = np.tile([0, 0, 0, 1], 50)
    groups = np.arange(200).astype(str)
    folds = group_stratified_kfold(y, groups, n_splits=5, seed=3)
    for _, te in folds:
        assert abs(y[te].mean() - 0.25) < 0.03
    again = group_stratified_kfold(y, groups, n_splits=5, seed=3)
    other = group_stratified_kfold(y, groups, n_splits=5, seed=4)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, other))


def test_kfold_bad_input():
    with pytest.raises(ValueError, match="larger than the number of groups"):
        group_stratified_kfold([0, 1, 0, 1], ["a", "a", "b", "b"], n_splits=3)
    with pytest.raises(ValueError, match="groups has 3"):
        group_stratified_kfold([0, 1], ["a", "b", "c"])


def test_train_val_test_grouped():
    y, groups = _toy(60, 1)
    tr, va, te = train_val_test_split(y, groups, seed=0)
    parts = [set(groups[i]) for i in (tr, va, te)]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert np.array_equal(np.sort(np.concatenate([tr, va, te])), np.arange(y.size))
    fr = np.array([tr.size, va.size, te.size]) / y.size
    assert np.allclose(fr, (0.7, 0.1, 0.2), atol=0.07)
    tr0, va0, te0 = train_val_test_split(y, groups, fractions=(0.8, 0.0, 0.2))
    assert va0.size == 0 and tr0.size + te0.size == y.size
    with pytest.raises(ValueError, match="fractions"):
        train_val_test_split(y, groups, fractions=(0.5, 0.1, 0.1))


def test_merge_groups_union_find():
    a = ["p1", "p1", "p2", "p3", "p4"]
    b = [0, 1, 1, 2, 3]  # links p1-p2 through item 1 and 2
    assert merge_groups(a, b).tolist() == ["p1", "p1", "p1", "p3", "p4"]
    assert merge_groups(a, [0, 1, 2, 3, 0]).tolist() == ["p1", "p1", "p2", "p3", "p1"]  # transitive with p4
    with pytest.raises(ValueError, match="entries"):
        merge_groups(a, [0, 1])


def test_near_duplicates_found_and_distinct_images_kept_apart():
    ph = make_phantoms(12, size=96, seed=4, difficulty=0.5)
    base = ph.images[0]
    rng = np.random.default_rng(0)
    noisy = np.clip(base.astype(int) + rng.integers(-4, 5, base.shape), 0, 255).astype(np.uint8)
    bigger = np.kron(base, np.ones((2, 2), np.uint8))  # same scan at twice the resolution
    labels = near_duplicate_groups([*ph.images, noisy, bigger])
    assert labels[12] == labels[13] == labels[0]
    assert np.unique(labels[:12]).size == 12  # 12 different phantoms stay apart


def test_threshold_is_inclusive_and_constant_images_never_linked():
    h = np.array([0b0, 0b11, 0b1111], dtype=np.uint64)
    assert hash_groups(h, max_distance=2).tolist() == [0, 0, 0]  # 0-3 at 2, 3-15 at 2 -> chained
    assert hash_groups(h, max_distance=1).tolist() == [0, 1, 2]
    flat = [np.full((40, 40), 7, np.uint8), np.full((40, 40), 200, np.uint8)]
    assert perceptual_hash(flat[0])[1] is False
    assert near_duplicate_groups(flat).tolist() == [0, 1]
    assert DEFAULT_MAX_DISTANCE == 10
