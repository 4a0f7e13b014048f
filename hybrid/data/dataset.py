"""The :class:`Dataset` object and :func:`load_dataset`, which scans a layout and checks every file.

Loading reads every image and mask once (threads, tqdm progress) to

* catch unreadable, corrupt, truncated and non-image files, and masks whose size differs from
  their image (``on_error="raise"`` stops at the first one with an error naming the file;
  ``on_error="skip"`` drops the record, warns naming the file and lists it in ``ds.unreadable``);
* label LGG slices (``"tumor"`` when the mask has a positive pixel);
* hash each image and unite near-duplicates into one split group
  (:mod:`hybrid.data.splits`), so that grouped splits cannot leak.

Near-duplicate policy (``duplicates="auto"``, the default): hash-merging is applied when the
layout gives no patient ids (``folder``, ``busi``, ``csv`` without a ``group`` column), where it is
the only protection against leakage. When the data carry patient ids (``lgg``, ``csv`` with
``group``), the patient grouping is kept as is: perceptual hashes of brain MRI slices taken at
the same level collide *across* patients (on the 36 LGG patients, 6,844 cross-patient slice pairs
lie within distance 10 and 6 at distance 0), so merging would chain every patient into one group.
Pass ``duplicates=True`` to merge anyway.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from hybrid.data.layouts import LAYOUTS, scan_layout
from hybrid.data.readers import read_image as _read_file
from hybrid.data.readers import read_mask as _read_mask_file
from hybrid.data.records import DataError, Record
from hybrid.data.splits import DEFAULT_MAX_DISTANCE, hash_groups, merge_groups, perceptual_hash

__all__ = ["Dataset", "load_dataset", "ON_ERROR"]

ON_ERROR = ("raise", "skip")


class Dataset:
    """Records of one data set plus how to read them.

    Attributes
    ----------
    root : Path
    layout : str
    classes : list of str
        ``y`` indexes into this list; LGG: ``["no_tumor", "tumor"]``.
    records : list of Record
    unreadable : list of dict
        ``{"path", "error"}`` of every file skipped while loading (``on_error="skip"``).
    duplicate_rule : str
        How near-duplicates were grouped, in words (for reports).
    base_groups : numpy.ndarray of str
        Groups given by the layout (patient, file), before near-duplicate merging.
    """

    def __init__(self, root, layout, classes, records, *, base_groups=None, unreadable=(), duplicate_rule=""):
        self.root = Path(root)
        self.layout = layout
        self.classes = list(classes)
        self.records = list(records)
        self.base_groups = (np.array([r.group for r in self.records], dtype=str) if base_groups is None
                            else np.asarray(base_groups, dtype=str))
        self.unreadable = list(unreadable)
        self.duplicate_rule = duplicate_rule

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> Record:
        return self.records[i]

    def __repr__(self) -> str:
        return f"Dataset(root={str(self.root)!r}, layout={self.layout!r}, n={len(self)}, classes={self.classes})"

    @property
    def labels(self) -> np.ndarray:
        """Class name per record (``""`` when unknown)."""
        return np.array([r.label or "" for r in self.records], dtype=str)

    @property
    def y(self) -> np.ndarray:
        """Class index per record into :attr:`classes` (``-1`` when unknown)."""
        index = {c: k for k, c in enumerate(self.classes)}
        return np.array([index.get(r.label, -1) for r in self.records], dtype=np.int64)

    @property
    def groups(self) -> np.ndarray:
        """Split group per record (layout group united with near-duplicates)."""
        return np.array([r.group for r in self.records], dtype=str)

    def read_image(self, i: int, channels=None) -> np.ndarray:
        """Image ``i`` as stored, ``(H, W)`` or ``(H, W, C)`` (see :func:`hybrid.data.readers.read_image`)."""
        return _read_file(self.records[i].path, channels)

    def read_mask(self, i: int) -> np.ndarray:
        """Union of record ``i``'s masks as ``bool (H, W)``; all False when it has none."""
        rec = self.records[i]
        if not rec.mask_paths:
            return np.zeros(_read_file(rec.path).shape[:2], dtype=bool)
        return _union_masks(rec.mask_paths)

    def load_images(self, channels=None, progress: bool = True) -> list:
        """All images as a list of arrays (for estimators that take a list of images)."""
        from tqdm.auto import tqdm

        return [self.read_image(i, channels) for i in tqdm(range(len(self)), desc="reading images",
                                                           disable=not progress, leave=False)]

    def load_masks(self, progress: bool = True) -> list:
        """All masks (bool ``(H, W)``) as a list."""
        from tqdm.auto import tqdm

        return [self.read_mask(i) for i in tqdm(range(len(self)), desc="reading masks", disable=not progress,
                                                leave=False)]

    def subset(self, indices) -> Dataset:
        """A new :class:`Dataset` with the records at ``indices`` (same classes)."""
        idx = np.asarray(indices, dtype=np.int64).ravel()
        return Dataset(self.root, self.layout, self.classes, [self.records[i] for i in idx],
                       base_groups=self.base_groups[idx], unreadable=self.unreadable,
                       duplicate_rule=self.duplicate_rule)

    def filter_classes(self, classes) -> Dataset:
        """Keep records of ``classes`` only; ``ds.classes`` keeps its original order restricted to them."""
        keep = list(classes)
        unknown = [c for c in keep if c not in self.classes]
        if unknown:
            raise ValueError(f"unknown class(es) {unknown}; this data set has {self.classes}")
        idx = [i for i, r in enumerate(self.records) if r.label in keep]
        out = self.subset(idx)
        out.classes = [c for c in self.classes if c in keep]
        return out

    def summary(self) -> dict:
        """Counts for ``tumortrace data check``.

        Keys: ``layout``, ``n_images``, ``classes`` (class -> count), ``n_masks`` (records with at
        least one mask file), ``n_groups`` (after near-duplicate merging), ``n_duplicate_groups``
        (merged groups holding more than one layout group), ``unreadable`` (list of
        ``{path, error}``); for ``lgg`` also ``n_positive`` (tumor slices).
        """
        labels = self.labels
        groups = self.groups
        members: dict = {}
        for g, b in zip(groups, self.base_groups):
            members.setdefault(g, set()).add(b)
        out = {
            "layout": self.layout,
            "n_images": len(self),
            "classes": {c: int(np.sum(labels == c)) for c in self.classes},
            "n_masks": sum(1 for r in self.records if r.mask_paths),
            "n_groups": len(members),
            "n_duplicate_groups": sum(1 for m in members.values() if len(m) > 1),
            "unreadable": list(self.unreadable),
        }
        if self.layout == "lgg":
            out["n_positive"] = int(np.sum(labels == "tumor"))
        return out


def _union_masks(mask_paths) -> np.ndarray:
    masks = [_read_mask_file(p) for p in mask_paths]
    for p, m in zip(mask_paths[1:], masks[1:]):
        if m.shape != masks[0].shape:
            raise DataError(f"{p}: mask size {m.shape} differs from {mask_paths[0]} size {masks[0].shape}")
    return np.logical_or.reduce(masks)


def _inspect(record: Record, want_hash: bool):
    """Read one record fully. Returns ``(ok, payload)``: ``(True, (positive, hash, usable))`` or
    ``(False, (path, message))``."""
    try:
        image = _read_file(record.path)
    except ValueError as exc:
        return False, (record.path, str(exc))
    positive = False
    for p in record.mask_paths:
        try:
            mask = _read_mask_file(p)
        except ValueError as exc:
            return False, (p, str(exc))
        if mask.shape != image.shape[:2]:
            return False, (p, f"{p}: mask size {mask.shape} differs from its image {record.path} size "
                              f"{image.shape[:2]}")
        positive = positive or bool(mask.any())
    value, usable = perceptual_hash(image) if want_hash else (0, False)
    return True, (positive, value, usable)


def load_dataset(path, layout: str = "auto", on_error: str = "raise", *, duplicates="auto",
                 max_distance: int = DEFAULT_MAX_DISTANCE, progress: bool = True, n_threads: int | None = None
                 ) -> Dataset:
    """Load a data set from disk (see :mod:`hybrid.data.layouts` for the layouts).

    Parameters
    ----------
    path : str or Path
        Data set folder, or CSV manifest for ``layout="csv"``.
    layout : {"auto", "folder", "busi", "lgg", "csv"}
    on_error : {"raise", "skip"}
        What an unreadable/corrupt/non-image file or a mask of the wrong size does: raise
        :class:`~hybrid.data.records.DataError` (a ``ValueError``) naming the file, or skip the record
        with a :class:`UserWarning` naming the file (listed again in ``ds.unreadable``).
    duplicates : {"auto", True, False}
        Unite near-duplicate images (perceptual hash distance ``<= max_distance``) into one group;
        ``"auto"`` does so only when the layout has no patient ids (see the module doc).
    max_distance : int
        Hamming threshold in bits (of 64), inclusive; see :mod:`hybrid.data.splits`.
    progress : bool
        Show a tqdm progress bar while reading.
    n_threads : int, optional
        Reader threads (default: ``min(4, cpu_count)``).

    Returns
    -------
    Dataset
    """
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {list(ON_ERROR)}, got {on_error!r}")
    if layout != "auto" and layout not in LAYOUTS:
        raise DataError(f"unknown layout {layout!r}; expected 'auto' or one of {list(LAYOUTS)}")
    if duplicates not in ("auto", True, False):
        raise ValueError(f"duplicates must be 'auto', True or False, got {duplicates!r}")
    scan = scan_layout(path, layout)
    if duplicates == "auto":
        duplicates = not scan.patient_groups
    problems = list(scan.problems)
    if problems and on_error == "raise":
        raise DataError(problems[0][1])

    from tqdm.auto import tqdm

    workers = n_threads or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(tqdm(pool.map(lambda r: _inspect(r, duplicates), scan.records), total=len(scan.records),
                            desc=f"checking {scan.layout} images", disable=not progress, leave=False))
    records, hashes, usable = [], [], []
    for rec, (ok, payload) in zip(scan.records, results):
        if not ok:
            if on_error == "raise":
                raise DataError(payload[1])
            problems.append(payload)
            continue
        positive, value, use = payload
        if scan.layout == "lgg":
            rec = replace(rec, label="tumor" if positive else "no_tumor")
        records.append(rec)
        hashes.append(value)
        usable.append(use)
    for _, message in problems:
        warnings.warn(f"skipping {message}", UserWarning, stacklevel=2)
    unreadable = [{"path": str(p), "error": msg} for p, msg in problems]
    if not records:
        raise DataError(f"{scan.root}: no readable image in the data set ({len(problems)} unreadable)")
    base = np.array([r.group for r in records], dtype=str)
    if duplicates:
        merged = merge_groups(base, hash_groups(np.array(hashes, dtype=np.uint64), usable, max_distance))
        records = [replace(r, group=str(g)) for r, g in zip(records, merged)]
        rule = f"pHash Hamming distance <= {max_distance} merged into one group"
    else:
        rule = "not merged (" + ("patient ids given by the data" if scan.patient_groups else "duplicates=False") + ")"
    return Dataset(scan.root, scan.layout, scan.classes, records, base_groups=base, unreadable=unreadable,
                   duplicate_rule=rule)
