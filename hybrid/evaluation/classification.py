"""Classification metrics computed from predicted probabilities.

Every metric here is computed on held-out predictions only; the benchmark runner calls
:func:`classification_metrics` once per test fold and once on the pooled out-of-fold
predictions.

Definitions (chosen on purpose, pinned by ``tests/test_evaluation_classification.py``)
-------------------------------------------------------------------------------------
* **Predicted class** = ``argmax`` of the probability row; ties go to the *lower* class
  index, so a binary probability of exactly 0.5 predicts the negative class
  ``classes[0]``.
* **Positive class** (binary) = ``classes[1]`` (e.g. ``"malignant"``, ``"tumor"``).
  Binary precision, recall (= sensitivity), specificity and F1 are those of the positive
  class.
* **Multi-class** precision, recall, F1 and specificity are *macro* averages of the
  one-vs-rest per-class values (every class weighs the same, whatever its support).
  Specificity of class *k* is ``TN / (TN + FP)`` with *k* as positive.
* **Zero division** (e.g. no predicted positives) gives 0.0, as scikit-learn's
  ``zero_division=0``.
* **ROC-AUC**: binary = AUC of ``proba[:, 1]`` for the positive class (Hanley & McNeil
  1982, doi:10.1148/radiology.143.1.7063747; ties count one half). Multi-class = macro
  mean of the one-vs-rest AUCs of the classes that have both positive and negative
  samples in ``y_true`` (equal to scikit-learn's ``multi_class="ovr"`` when every class is
  present). When no class qualifies (a fold holding one class only) the AUC is ``nan``
  and the reason is listed in ``result["warnings"]``.
* **Balanced accuracy** = mean per-class recall over the classes present in ``y_true``
  (scikit-learn's definition, ``adjusted=False``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["classification_metrics", "check_predictions", "predicted_labels", "roc_auc", "SCALAR_METRICS"]

#: Scalar metrics returned by :func:`classification_metrics`, in report order.
SCALAR_METRICS = ("accuracy", "balanced_accuracy", "roc_auc", "precision", "recall", "specificity", "f1")


def check_predictions(y_true: Any, proba: Any, classes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Validate held-out labels and probabilities; return ``(y, P)`` as int and float arrays.

    Parameters
    ----------
    y_true : array_like of int or str, shape (n,)
        Class indices into ``classes`` or class names.
    proba : array_like, shape (n, k) or (n,)
        Probability of each class (rows sum to 1). A 1-D array is accepted for binary tasks
        and read as the probability of ``classes[1]``.
    classes : sequence of str
        Class names, at least two.

    Raises
    ------
    ValueError
        Naming the argument: wrong shapes, unknown labels, NaN/inf or negative probabilities.
    """
    classes = [str(c) for c in classes]
    k = len(classes)
    if k < 2:
        raise ValueError(f"classes must name at least two classes, got {classes}")
    y = np.asarray(y_true)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"y_true must be a non-empty 1-D array, got shape {y.shape}")
    if y.dtype.kind in "USO":
        index = {c: i for i, c in enumerate(classes)}
        unknown = sorted({str(v) for v in y} - set(index))
        if unknown:
            raise ValueError(f"y_true holds labels not in classes {classes}: {unknown}")
        y = np.array([index[str(v)] for v in y], dtype=np.int64)
    elif y.dtype.kind in "iub":
        y = y.astype(np.int64)
        if y.min() < 0 or y.max() >= k:
            raise ValueError(f"y_true indices must lie in [0, {k - 1}] for {k} classes")
    else:
        raise ValueError(f"y_true must hold class indices or names, got dtype {y.dtype}")
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        if k != 2:
            raise ValueError("a 1-D proba is only accepted for binary tasks; pass shape (n, n_classes)")
        p = np.column_stack([1.0 - p, p])
    if p.shape != (y.size, k):
        raise ValueError(f"proba must have shape ({y.size}, {k}), got {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("proba holds NaN or infinite values")
    if (p < 0).any():
        raise ValueError("proba holds negative values")
    return y, p


def predicted_labels(proba: np.ndarray) -> np.ndarray:
    """Predicted class indices: ``argmax`` per row, ties to the lower index."""
    return np.argmax(np.asarray(proba), axis=1)


def roc_auc(y: np.ndarray, proba: np.ndarray) -> tuple[float, list[str]]:
    """ROC-AUC as defined in the module docstring; returns ``(auc, warnings)``.

    ``y`` holds class indices and ``proba`` is ``(n, k)``.

    >>> roc_auc(np.array([0, 0, 1, 1]), np.array([[.9, .1], [.6, .4], [.65, .35], [.2, .8]]))
    (0.75, [])
    """
    from sklearn.metrics import roc_auc_score

    k = proba.shape[1]
    present = np.unique(y)
    if k == 2:
        if present.size < 2:
            return float("nan"), [f"ROC-AUC undefined: y_true holds one class only (index {int(present[0])})"]
        return float(roc_auc_score(y == 1, proba[:, 1])), []
    aucs, skipped = [], []
    for c in range(k):
        pos = y == c
        if pos.all() or not pos.any():
            skipped.append(c)
            continue
        aucs.append(roc_auc_score(pos, proba[:, c]))
    warnings = []
    if skipped:
        warnings.append(f"ROC-AUC: classes {skipped} left out of the one-vs-rest macro mean "
                        "(no positive or no negative sample)")
    if not aucs:
        return float("nan"), warnings + ["ROC-AUC undefined: no class has both positive and negative samples"]
    return float(np.mean(aucs)), warnings


def _per_class_counts(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    tp = np.diag(cm).astype(float)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    tn = cm.sum() - tp - fp - fn
    return tp, fp, fn, tn


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def classification_metrics(y_true: Any, proba: Any, classes: Sequence[str]) -> dict[str, Any]:
    """Accuracy, precision, recall, specificity, F1, ROC-AUC, balanced accuracy and more.

    See the module docstring for every definition (positive class, macro averaging,
    zero division, single-class folds).

    Parameters
    ----------
    y_true : array_like of int or str, shape (n,)
        True class indices (into ``classes``) or names.
    proba : array_like, shape (n, n_classes) or (n,) for binary
        Predicted probabilities, held-out samples only.
    classes : sequence of str
        Class names; ``classes[1]`` is the positive class of a binary task.

    Returns
    -------
    dict
        ``accuracy``, ``balanced_accuracy``, ``roc_auc``, ``precision``, ``recall``
        (sensitivity), ``specificity``, ``f1`` (floats); ``confusion_matrix`` (list of rows,
        true class by row, predicted by column); ``per_class`` (precision, recall,
        specificity, f1, support per class name); ``report`` (scikit-learn's
        ``classification_report`` text); ``n``; ``classes``; ``warnings`` (list of str).

    Examples
    --------
    >>> m = classification_metrics([0, 0, 1, 1], [[.9, .1], [.4, .6], [.3, .7], [.2, .8]], ["benign", "malignant"])
    >>> m["accuracy"], m["recall"], m["specificity"], m["roc_auc"]
    (0.75, 1.0, 0.5, 1.0)
    """
    from sklearn.metrics import classification_report, confusion_matrix

    classes = [str(c) for c in classes]
    y, p = check_predictions(y_true, proba, classes)
    k = len(classes)
    pred = predicted_labels(p)
    cm = confusion_matrix(y, pred, labels=np.arange(k))
    tp, fp, fn, tn = _per_class_counts(cm)
    precision_c = _safe_div(tp, tp + fp)
    recall_c = _safe_div(tp, tp + fn)
    specificity_c = _safe_div(tn, tn + fp)
    f1_c = _safe_div(2 * precision_c * recall_c, precision_c + recall_c)
    support = cm.sum(axis=1)
    present = support > 0
    if k == 2:
        precision, recall, specificity, f1 = (float(v[1]) for v in (precision_c, recall_c, specificity_c, f1_c))
    else:
        precision, recall, specificity, f1 = (float(v.mean()) for v in (precision_c, recall_c, specificity_c, f1_c))
    auc, warnings = roc_auc(y, p)
    report = classification_report(
        y, pred, labels=np.arange(k), target_names=classes, zero_division=0, digits=3
    )
    return {
        "n": int(y.size),
        "classes": classes,
        "accuracy": float((pred == y).mean()),
        "balanced_accuracy": float(recall_c[present].mean()),
        "roc_auc": auc,
        "precision": precision,
        "recall": recall,
        "specificity": specificity,
        "f1": f1,
        "confusion_matrix": cm.tolist(),
        "per_class": {
            c: {
                "precision": float(precision_c[i]),
                "recall": float(recall_c[i]),
                "specificity": float(specificity_c[i]),
                "f1": float(f1_c[i]),
                "support": int(support[i]),
            }
            for i, c in enumerate(classes)
        },
        "report": report,
        "warnings": warnings,
    }
