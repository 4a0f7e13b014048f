"""Benchmark figures (PNG, Agg backend, written atomically): ROC curves, confusion matrices,
training curves.

Every function takes plain arrays/dicts (as stored in ``results.json``) and a target path,
and returns the path. They never call :mod:`matplotlib.pyplot`, so they are safe in threads
and headless runs.

ROC curves of a multi-class task are *micro-averaged* one-vs-rest curves (all class-vs-rest
decisions pooled into one binary problem, scikit-learn's ``label_binarize`` + ``ravel``);
the legend shows the *macro* one-vs-rest AUC that the metric tables report.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hybrid.training.atomic import atomic_path

__all__ = ["roc_curve_points", "plot_roc_curves", "plot_confusion_matrices", "plot_training_curves", "save_figure"]


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def save_figure(fig, path: str | os.PathLike) -> Path:
    """Save a matplotlib figure as PNG, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path


def roc_curve_points(y_true: Any, proba: Any) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates of a binary (``proba[:, 1]``) or micro-averaged
    multi-class ROC curve. ``y_true`` holds class indices, ``proba`` is ``(n, k)``.

    >>> fpr, tpr = roc_curve_points([0, 1], [[0.8, 0.2], [0.3, 0.7]])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 1.0], [0.0, 1.0, 1.0])
    """
    from sklearn.metrics import roc_curve

    y = np.asarray(y_true, dtype=int)
    p = np.asarray(proba, dtype=float)
    if p.shape[1] == 2:
        fpr, tpr, _ = roc_curve(y == 1, p[:, 1])
    else:
        onehot = np.eye(p.shape[1], dtype=bool)[y]
        fpr, tpr, _ = roc_curve(onehot.ravel(), p.ravel())
    return fpr, tpr


def plot_roc_curves(curves: Sequence[dict[str, Any]], path: str | os.PathLike, title: str = "ROC") -> Path:
    """One axis with a ROC curve per entry.

    Parameters
    ----------
    curves : sequence of dict
        Each with ``label`` (str), ``y_true`` (class indices), ``proba`` ((n, k)) and
        ``auc`` (float, shown in the legend). Entries whose ``y_true`` holds a single
        class are skipped (no curve exists).
    """
    fig = _figure(5.5, 5)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    for c in curves:
        if len(np.unique(c["y_true"])) < 2:
            continue
        fpr, tpr = roc_curve_points(c["y_true"], c["proba"])
        ax.plot(fpr, tpr, linewidth=1.5, label=f"{c['label']} (AUC {c['auc']:.3f})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("false positive rate (1 - specificity)")
    ax.set_ylabel("true positive rate (sensitivity)")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_confusion_matrices(
    matrices: Sequence[dict[str, Any]], classes: Sequence[str], path: str | os.PathLike, title: str = ""
) -> Path:
    """A grid of confusion matrices (rows = true class, columns = predicted), counts annotated.

    ``matrices``: dicts with ``label`` and ``matrix`` (k x k counts).
    """
    n = max(1, len(matrices))
    cols = min(4, n)
    rows = int(np.ceil(n / cols))
    k = len(classes)
    cell = 1.2 + 0.45 * k
    fig = _figure(cols * cell + 0.5, rows * cell + 0.6)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, item in zip(axes, matrices):
        cm = np.asarray(item["matrix"], dtype=float)
        ax.imshow(cm, cmap="Blues", vmin=0, vmax=max(cm.max(), 1))
        for i in range(k):
            for j in range(k):
                ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > 0.6 * cm.max() else "black")
        ax.set_xticks(range(k), [str(c)[:10] for c in classes], fontsize=7, rotation=30)
        ax.set_yticks(range(k), [str(c)[:10] for c in classes], fontsize=7)
        ax.set_xlabel("predicted", fontsize=7)
        ax.set_ylabel("true", fontsize=7)
        ax.set_title(item["label"], fontsize=8)
    for ax in axes[len(matrices):]:
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)


#: Validation metric shown in the right panel of training curves, in order of preference.
_CURVE_METRICS = ("val_roc_auc", "val_dice", "val_balanced_accuracy", "val_accuracy")


def plot_training_curves(runs: Sequence[dict[str, Any]], path: str | os.PathLike, title: str = "") -> Path:
    """Training curves of CNN runs: one row per run; losses (left: training solid, validation
    dashed) and one validation metric (right: the first of ``val_roc_auc``, ``val_dice``,
    ``val_balanced_accuracy``, ``val_accuracy`` present); one colour per fold.

    ``runs``: dicts with ``label`` and ``histories`` (list of ``History.to_dict()`` outputs,
    one per fold; ``None`` entries are skipped).
    """
    from matplotlib.ticker import MaxNLocator

    n = max(1, len(runs))
    fig = _figure(10, 2.8 * n + 0.4)
    axes = np.asarray(fig.subplots(n, 2)).reshape(n, 2)
    colours = [f"C{i}" for i in range(10)]
    for (ax_loss, ax_metric), run in zip(axes, runs):
        metric = None
        for fold, hist in enumerate(run["histories"]):
            if not hist or not hist.get("rows"):
                continue
            rows = hist["rows"]
            epochs = [r.get("epoch", i + 1) for i, r in enumerate(rows)]
            colour = colours[fold % len(colours)]
            for name, style in (("train_loss", "-"), ("val_loss", "--")):
                if name in rows[0]:
                    ax_loss.plot(epochs, [r.get(name, np.nan) for r in rows], style, color=colour, marker=".",
                                 linewidth=1, label=f"fold {fold} {name.split('_')[0]}")
            metric = metric or next((m for m in _CURVE_METRICS if m in rows[0]), None)
            if metric:
                ax_metric.plot(epochs, [r.get(metric, np.nan) for r in rows], color=colour, marker=".",
                               linewidth=1, label=f"fold {fold}")
            if hist.get("best_epoch"):
                ax_metric.axvline(hist["best_epoch"], color=colour, linestyle=":", linewidth=0.8)
        for ax, what in ((ax_loss, "loss (train solid, validation dashed)"),
                         (ax_metric, f"{metric or 'validation metric'} (dotted: best epoch)")):
            ax.set_title(f"{run['label']}: {what}", fontsize=8)
            ax.set_xlabel("epoch", fontsize=7)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.tick_params(labelsize=7)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=6, ncol=2)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)
