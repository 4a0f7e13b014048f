"""Leak-free splits: grouped, label-stratified folds and near-duplicate grouping.

A *group* is a set of images that must stay on one side of every split: all slices of one
patient (LGG folder, CSV ``group`` column), united with every image that is a near-duplicate of
one of them. Near-duplicates are found with a perceptual hash (pHash, the DCT-based hash of
[1]_ as implemented by :mod:`imagehash`) and linked when the Hamming distance of their 64-bit
hashes is ``<= max_distance`` (inclusive). Links are closed transitively by union-find.

Threshold: ``DEFAULT_MAX_DISTANCE = 10`` (of 64 bits). pHash sets exactly 32 of its 64 bits (bits
are "DCT coefficient > median"), so distances between hashes are even. On BUSI (780 images,
303,810 pairs) the pair counts at distance 0, 2, 4, 6, 8, 10, 12, 14, 16 are 46, 91, 48, 25, 6,
10, 22, 62, 304: a valley at 8-10 before the bulk of unrelated images. Inspected pairs at 8 and
10 were all the same scan or adjacent frames of one lesion; about half of the pairs at 12 were
unrelated patients. 10 is therefore the largest threshold without visible false links.
Near-constant images (grey std < ``MIN_CONTRAST`` after the 32x32 hash resize, e.g. the empty end
slices of an MRI volume) have meaningless hashes and are never linked.

Folds use scikit-learn's ``StratifiedGroupKFold(shuffle=True, random_state=seed)`` [2]_.

References
----------
.. [1] Zauner C. Implementation and benchmarking of perceptual image hash functions. Master's
   thesis, Upper Austria University of Applied Sciences, Hagenberg, 2010.
.. [2] Pedregosa F et al. Scikit-learn: machine learning in Python. JMLR 12 (2011) 2825-2830.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "group_stratified_kfold",
    "train_val_test_split",
    "near_duplicate_groups",
    "perceptual_hash",
    "hash_groups",
    "merge_groups",
    "DEFAULT_MAX_DISTANCE",
    "MIN_CONTRAST",
]

DEFAULT_MAX_DISTANCE = 10
MIN_CONTRAST = 2.0  # grey levels (0..255) of the 32x32 thumbnail; below this the hash is not used
_NO_HASH = np.uint64(0)


def _grey_uint8(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim == 3:
        arr = arr.astype(np.float64).mean(axis=-1)
    if arr.dtype == np.uint8:
        return arr
    arr = arr.astype(np.float64)
    lo, hi = float(arr.min()), float(arr.max())
    return np.zeros(arr.shape, np.uint8) if hi <= lo else np.rint((arr - lo) / (hi - lo) * 255).astype(np.uint8)


def perceptual_hash(image: np.ndarray) -> tuple[int, bool]:
    """Return ``(phash as int, usable)`` of one image; ``usable`` is False for near-constant images.

    Multi-channel images are averaged; non-uint8 images are min-max scaled to 8 bits first.
    """
    import imagehash
    from PIL import Image

    # imagehash.phash resizes to 32x32 (LANCZOS) first; doing it here once gives the same hash
    thumb = Image.fromarray(_grey_uint8(image)).resize((32, 32), Image.Resampling.LANCZOS)
    bits = imagehash.phash(thumb, hash_size=8).hash.ravel()
    value = int.from_bytes(np.packbits(bits.astype(bool)).tobytes(), "big")
    return value, bool(np.asarray(thumb, dtype=np.float64).std() >= MIN_CONTRAST)


class _UnionFind:
    def __init__(self, n: int):
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def labels(self) -> np.ndarray:
        roots = np.array([self.find(i) for i in range(len(self.parent))], dtype=np.int64)
        _, first = np.unique(roots, return_index=True)
        order = np.argsort(first)  # number components by first appearance
        remap = {roots[first[k]]: rank for rank, k in enumerate(order)}
        return np.array([remap[r] for r in roots], dtype=np.int64)


def _popcount64(x: np.ndarray) -> np.ndarray:
    return np.unpackbits(x.view(np.uint8).reshape(*x.shape, 8), axis=-1).sum(axis=-1)


def hash_groups(hashes, usable=None, max_distance: int = DEFAULT_MAX_DISTANCE) -> np.ndarray:
    """Component label per image: images whose hashes differ in ``<= max_distance`` bits are linked
    (transitively). Images with ``usable[i] == False`` stay alone. Labels count from 0 in order of
    first appearance."""
    h = np.asarray(hashes, dtype=np.uint64).ravel()
    n = h.size
    ok = np.ones(n, bool) if usable is None else np.asarray(usable, bool).ravel()
    if ok.size != n:
        raise ValueError(f"usable has {ok.size} entries for {n} hashes")
    if isinstance(max_distance, bool) or not isinstance(max_distance, (int, np.integer)) or not 0 <= max_distance <= 64:
        raise ValueError(f"max_distance must be an integer in [0, 64], got {max_distance!r}")
    uf = _UnionFind(n)
    idx = np.flatnonzero(ok)
    for start in range(0, idx.size, 512):  # chunked all-pairs Hamming distances
        rows = idx[start:start + 512]
        dist = _popcount64(h[rows, None] ^ h[None, idx])
        for a, b in zip(*np.nonzero(dist <= max_distance)):
            i, j = rows[a], idx[b]
            if i < j:
                uf.union(i, j)
    return uf.labels()


def near_duplicate_groups(images, max_distance: int = DEFAULT_MAX_DISTANCE) -> np.ndarray:
    """Group near-duplicate images by perceptual hash; returns one int label per image.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = (rng.random((64, 64)) * 255).astype(np.uint8)
    >>> b = (rng.random((64, 64)) * 255).astype(np.uint8)
    >>> near_duplicate_groups([a, b, a.copy()]).tolist()
    [0, 1, 0]
    """
    pairs = [perceptual_hash(im) for im in images]
    return hash_groups([p[0] for p in pairs], [p[1] for p in pairs], max_distance)


def merge_groups(*group_arrays) -> np.ndarray:
    """Unite several groupings of the same items (union-find): two items share the output group
    when any input array gives them the same value (transitively).

    Each output group is named by the smallest ``str`` value of the *first* array among its
    members, so group names of the first array survive when nothing is merged.

    Examples
    --------
    >>> merge_groups(["p1", "p1", "p2", "p3"], [0, 1, 1, 2]).tolist()
    ['p1', 'p1', 'p1', 'p3']
    """
    if not group_arrays:
        raise ValueError("merge_groups needs at least one group array")
    arrays = [np.asarray(g).ravel() for g in group_arrays]
    n = arrays[0].size
    for k, g in enumerate(arrays):
        if g.size != n:
            raise ValueError(f"group array {k} has {g.size} entries, expected {n}")
    uf = _UnionFind(n)
    for g in arrays:
        _, inverse = np.unique(g.astype(str), return_inverse=True)
        first = {}
        for i, key in enumerate(inverse):
            if key in first:
                uf.union(first[key], i)
            else:
                first[key] = i
    comp = uf.labels()
    names = arrays[0].astype(str)
    best = {}
    for c, name in zip(comp, names):
        best[c] = min(best.get(c, name), name)
    return np.array([best[c] for c in comp])


def _check_y_groups(y, groups):
    y = np.asarray(y).ravel()
    groups = np.asarray(groups).ravel()
    if y.size != groups.size:
        raise ValueError(f"y has {y.size} entries but groups has {groups.size}")
    if y.size == 0:
        raise ValueError("y is empty")
    return y, groups


def group_stratified_kfold(y, groups, n_splits: int = 5, seed: int = 0) -> list:
    """Label-stratified K-fold in which no group crosses folds.

    Returns a list of ``(train_idx, test_idx)`` sorted int arrays; every index is in exactly one
    test fold. Raises ``ValueError`` when there are fewer groups than folds.

    Examples
    --------
    >>> y = [0, 0, 1, 1, 0, 1, 0, 1]
    >>> g = ["a", "a", "b", "b", "c", "d", "e", "f"]
    >>> folds = group_stratified_kfold(y, g, n_splits=2, seed=0)
    >>> sorted(np.concatenate([te for _, te in folds]).tolist())
    [0, 1, 2, 3, 4, 5, 6, 7]
    """
    from sklearn.model_selection import StratifiedGroupKFold

    y, groups = _check_y_groups(y, groups)
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise ValueError(f"n_splits must be an integer >= 2, got {n_splits!r}")
    n_groups = np.unique(groups.astype(str)).size
    if n_groups < n_splits:
        raise ValueError(f"n_splits={n_splits} is larger than the number of groups ({n_groups})")
    cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [(np.sort(tr), np.sort(te)) for tr, te in cv.split(np.zeros(y.size), y, groups.astype(str))]


def train_val_test_split(y, groups, fractions=(0.7, 0.1, 0.2), seed: int = 0):
    """Grouped, label-stratified train/validation/test split.

    The test part is one fold of a ``round(1 / test_fraction)``-fold
    :func:`group_stratified_kfold`; the validation part is one fold of a
    ``round((1 - test_fraction) / val_fraction)``-fold split of the rest. Fractions are therefore
    approximate (whole groups move together). ``val_fraction == 0`` gives an empty validation set.

    Returns
    -------
    (train_idx, val_idx, test_idx) : sorted int arrays
    """
    y, groups = _check_y_groups(y, groups)
    fr = np.asarray(fractions, dtype=np.float64)
    if fr.shape != (3,) or (fr < 0).any() or not np.isclose(fr.sum(), 1.0) or fr[0] <= 0 or fr[2] <= 0:
        raise ValueError(
            f"fractions must be 3 non-negative numbers summing to 1 with train, test > 0, got {fractions!r}"
        )
    k_test = max(2, int(round(1.0 / fr[2])))
    rest, test = group_stratified_kfold(y, groups, k_test, seed)[0]
    if fr[1] == 0:
        return rest, np.array([], dtype=np.int64), test
    k_val = max(2, int(round((1.0 - fr[2]) / fr[1])))
    tr, va = group_stratified_kfold(y[rest], groups[rest], k_val, seed)[0]
    return np.sort(rest[tr]), np.sort(rest[va]), test
