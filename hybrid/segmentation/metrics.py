"""Overlap and distance metrics for binary masks (kept apart from networks and losses).

Rules (chosen on purpose; each is pinned by a test)
----------------------------------------------------
* Masks are compared as booleans (``mask != 0``); prediction and truth must have the same shape.
* **Empty ground truth, per slice**: both empty → Dice = IoU = 1.0 (a correct "no tumor");
  empty truth with any predicted pixel → 0.0; non-empty truth with an empty prediction → 0.0.
* **Per patient volume** (:func:`dice_per_group`): all slices of a group are pooled into one
  volume and Dice/IoU computed on it. A group whose whole volume has no tumor gets ``nan``:
  it is *excluded* from the per-patient mean and counted separately
  (``n_tumor_free_groups`` in :func:`segmentation_report`), because a volume Dice on an
  empty truth is 1 or 0 and would swamp the mean of real overlaps.
* **False-positive slice rate**: fraction of tumor-free slices (empty truth) with at least
  one predicted pixel (after whatever post-processing the caller applied). ``nan`` when
  there are no tumor-free slices.
* **Hausdorff 95** (:func:`hausdorff95`): ``nan`` when either mask is empty (the distance to
  an empty set is undefined).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

__all__ = [
    "dice", "iou", "dice_per_slice", "iou_per_slice", "dice_per_group", "iou_per_group",
    "false_positive_slice_rate", "hausdorff95", "segmentation_report",
]


def _pair(pred, truth) -> tuple[np.ndarray, np.ndarray]:
    p, t = np.asarray(pred), np.asarray(truth)
    if p.shape != t.shape:
        raise ValueError(f"prediction shape {p.shape} differs from ground-truth shape {t.shape}")
    for name, a in (("prediction", p), ("ground truth", t)):
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"{name} mask contains NaN or infinite values")
    return p != 0, t != 0


def _overlap(pred, truth, kind: str) -> float:
    p, t = _pair(pred, truth)
    inter = np.count_nonzero(p & t)
    sp, st = np.count_nonzero(p), np.count_nonzero(t)
    if sp + st == 0:
        return 1.0
    if kind == "dice":
        return float(2.0 * inter / (sp + st))
    return float(inter / (sp + st - inter))


def dice(pred, truth) -> float:
    """Dice coefficient ``2|P∩T| / (|P| + |T|)`` of two masks; 1.0 when both are empty.

    Examples
    --------
    >>> dice(np.array([[1, 1, 0, 0]]), np.array([[0, 1, 1, 0]]))
    0.5
    >>> dice(np.zeros((2, 2)), np.zeros((2, 2)))
    1.0
    """
    return _overlap(pred, truth, "dice")


def iou(pred, truth) -> float:
    """Intersection over union ``|P∩T| / |P∪T|`` (Jaccard); 1.0 when both are empty.

    Examples
    --------
    >>> round(iou(np.array([[1, 1, 0, 0]]), np.array([[0, 1, 1, 0]])), 4)
    0.3333
    """
    return _overlap(pred, truth, "iou")


def _check_lists(preds: Sequence, truths: Sequence) -> None:
    if len(preds) != len(truths):
        raise ValueError(f"{len(preds)} predictions but {len(truths)} ground-truth masks")


def dice_per_slice(preds: Sequence, truths: Sequence) -> np.ndarray:
    """Dice of each (prediction, truth) pair → float array (empty-truth rule in the module doc)."""
    _check_lists(preds, truths)
    return np.array([dice(p, t) for p, t in zip(preds, truths)], dtype=float)


def iou_per_slice(preds: Sequence, truths: Sequence) -> np.ndarray:
    """IoU of each (prediction, truth) pair → float array."""
    _check_lists(preds, truths)
    return np.array([iou(p, t) for p, t in zip(preds, truths)], dtype=float)


def _per_group(preds, truths, groups, kind: str) -> dict[str, float]:
    _check_lists(preds, truths)
    groups = [str(g) for g in groups]
    if len(groups) != len(preds):
        raise ValueError(f"{len(groups)} group labels for {len(preds)} masks")
    counts: dict[str, list[int]] = {}
    for p, t, g in zip(preds, truths, groups):
        pb, tb = _pair(p, t)
        c = counts.setdefault(g, [0, 0, 0])
        c[0] += np.count_nonzero(pb & tb)
        c[1] += np.count_nonzero(pb)
        c[2] += np.count_nonzero(tb)
    out = {}
    for g, (inter, sp, st) in counts.items():
        if st == 0:
            out[g] = float("nan")
        elif kind == "dice":
            out[g] = float(2.0 * inter / (sp + st))
        else:
            out[g] = float(inter / (sp + st - inter))
    return out


def dice_per_group(preds: Sequence, truths: Sequence, groups: Sequence) -> dict[str, float]:
    """Volume Dice per group (patient): all its slices pooled; ``nan`` for a tumor-free volume.

    Examples
    --------
    >>> t = [np.array([[1, 1]]), np.array([[0, 0]])]
    >>> p = [np.array([[1, 0]]), np.array([[0, 1]])]
    >>> dice_per_group(p, t, ["a", "a"])   # pooled: 2*1 / (2 + 2)
    {'a': 0.5}
    """
    return _per_group(preds, truths, groups, "dice")


def iou_per_group(preds: Sequence, truths: Sequence, groups: Sequence) -> dict[str, float]:
    """Volume IoU per group (patient): all its slices pooled; ``nan`` for a tumor-free volume."""
    return _per_group(preds, truths, groups, "iou")


def false_positive_slice_rate(preds: Sequence, truths: Sequence) -> float:
    """Fraction of tumor-free slices (empty truth) on which any pixel is predicted; nan if none.

    Examples
    --------
    >>> false_positive_slice_rate([np.ones((1, 1)), np.zeros((1, 1))], [np.zeros((1, 1))] * 2)
    0.5
    """
    _check_lists(preds, truths)
    flags = [bool(np.any(_pair(p, t)[0])) for p, t in zip(preds, truths) if not np.any(np.asarray(t))]
    return float(np.mean(flags)) if flags else float("nan")


def _surface(mask: np.ndarray) -> np.ndarray:
    # 8-connected erosion: a pixel is on the surface if any of its 8 neighbours is background.
    return mask & ~ndimage.binary_erosion(mask, structure=np.ones((3, 3), bool), border_value=0)


def hausdorff95(pred, truth, spacing: float | Sequence[float] = 1.0) -> float:
    """95th-percentile symmetric Hausdorff distance between mask surfaces.

    Surfaces are the mask pixels with a background 8-neighbour (outside the image counts as
    background). For each surface pixel of one mask, the Euclidean distance to the nearest
    surface pixel of the other is taken (``scipy.ndimage.distance_transform_edt`` with
    ``spacing``); the result is the **maximum of the two directed 95th percentiles**
    (``numpy.percentile``, linear interpolation), as in MONAI's ``compute_hausdorff_distance``.
    Returns ``nan`` when either mask is empty, and 0.0 for identical non-empty masks.

    Examples
    --------
    >>> a = np.zeros((5, 5), bool); a[1, 1] = True
    >>> b = np.zeros((5, 5), bool); b[1, 4] = True
    >>> hausdorff95(a, b)
    3.0
    """
    p, t = _pair(pred, truth)
    if not p.any() or not t.any():
        return float("nan")
    sp, st = _surface(p), _surface(t)
    d_to_t = ndimage.distance_transform_edt(~st, sampling=spacing)
    d_to_p = ndimage.distance_transform_edt(~sp, sampling=spacing)
    return float(max(np.percentile(d_to_t[sp], 95), np.percentile(d_to_p[st], 95)))


def _nanmean(values) -> float:
    values = np.asarray(list(values), dtype=float)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


def segmentation_report(preds: Sequence, truths: Sequence, groups: Sequence | None = None) -> dict:
    """All segmentation figures for a set of predicted and true masks, as a JSON-ready dict.

    Keys: ``n_slices``, ``n_tumor_slices``, ``n_tumor_free_slices``, ``dice_per_slice`` /
    ``iou_per_slice`` (lists, empty-truth rule), ``mean_dice_all_slices``,
    ``mean_dice_tumor_slices`` / ``mean_iou_tumor_slices`` (mean over slices with tumor in the
    truth), ``fp_slice_rate``; with ``groups`` also ``dice_per_patient`` / ``iou_per_patient``
    (dicts, ``nan`` → ``None`` for tumor-free volumes), ``mean_patient_dice`` /
    ``mean_patient_iou`` (tumor-free volumes excluded) and ``n_tumor_free_groups``.
    """
    _check_lists(preds, truths)
    d, j = dice_per_slice(preds, truths), iou_per_slice(preds, truths)
    has_tumor = np.array([np.any(np.asarray(t)) for t in truths], dtype=bool)
    report = {
        "n_slices": len(truths),
        "n_tumor_slices": int(has_tumor.sum()),
        "n_tumor_free_slices": int((~has_tumor).sum()),
        "mean_dice_all_slices": _nanmean(d),
        "mean_dice_tumor_slices": _nanmean(d[has_tumor]),
        "mean_iou_tumor_slices": _nanmean(j[has_tumor]),
        "fp_slice_rate": false_positive_slice_rate(preds, truths),
        "dice_per_slice": d.tolist(),
        "iou_per_slice": j.tolist(),
    }
    if groups is not None:
        dg, jg = dice_per_group(preds, truths, groups), iou_per_group(preds, truths, groups)
        report.update(
            mean_patient_dice=_nanmean(dg.values()),
            mean_patient_iou=_nanmean(jg.values()),
            n_groups=len(dg),
            n_tumor_free_groups=int(sum(np.isnan(v) for v in dg.values())),
            dice_per_patient={g: (None if np.isnan(v) else v) for g, v in dg.items()},
            iou_per_patient={g: (None if np.isnan(v) else v) for g, v in jg.items()},
        )
    return report
