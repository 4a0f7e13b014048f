"""Classification task for :class:`hybrid.training.Trainer` (segmentation tasks live in hybrid.segmentation).

A task turns a batch into a loss and a validation loader into metrics; the trainer does the
rest. Batches are the dicts of :class:`hybrid.training.datasets.ArrayDataset`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from torch import nn

__all__ = ["ClassificationTask", "balanced_class_weights"]


def balanced_class_weights(y: Any, n_classes: int) -> torch.Tensor:
    """Class weights ``n_samples / (n_classes * count_c)`` — scikit-learn's ``"balanced"`` rule.

    A class absent from ``y`` gets weight 0 (it contributes no loss term anyway).

    >>> balanced_class_weights([0, 0, 0, 1], 2)
    tensor([0.6667, 2.0000])
    """
    y = np.asarray(y, dtype=np.int64)
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    weights = np.divide(len(y), n_classes * counts, out=np.zeros(n_classes), where=counts > 0)
    return torch.tensor(weights, dtype=torch.float32)


class ClassificationTask:
    """Cross-entropy training and accuracy / balanced accuracy / ROC AUC validation.

    Parameters
    ----------
    class_weight : Tensor[n_classes] or None
        Weights of the training cross-entropy (e.g. :func:`balanced_class_weights`). The
        validation ``loss`` is the *unweighted* mean cross-entropy (the plain log-loss), so it
        is comparable across weighting choices.
    inputs : sequence of str
        Batch keys passed positionally to the model: ``("image",)`` for a CNN,
        ``("image", "features")`` for the fused model.
    target : str
        Batch key of the class indices.

    Notes
    -----
    ``evaluate`` returns ``loss``, ``accuracy``, ``balanced_accuracy`` and ``roc_auc``. ROC
    AUC is that of the positive class (index 1) for two classes and the macro one-vs-rest
    average (Hand & Till style averaging of per-class AUCs, https://doi.org/10.1023/A:1010920819831)
    for more; it is NaN when the validation labels miss a class (undefined, never improves
    early stopping).
    """

    def __init__(self, class_weight: torch.Tensor | None = None, inputs: Sequence[str] = ("image",),
                 target: str = "target") -> None:
        self.class_weight = class_weight
        self.inputs = tuple(inputs)
        self.target = target

    def logits(self, model: nn.Module, batch: dict[str, Any]) -> torch.Tensor:
        return model(*(batch[k] for k in self.inputs))

    def loss(self, model: nn.Module, batch: dict[str, Any]) -> torch.Tensor:
        logits = self.logits(model, batch)
        weight = None if self.class_weight is None else self.class_weight.to(logits.device, logits.dtype)
        return F.cross_entropy(logits, batch[self.target], weight=weight)

    def evaluate(self, model: nn.Module, loader: Iterable[dict[str, Any]]) -> dict[str, float]:
        logits, targets = [], []
        for batch in loader:
            logits.append(self.logits(model, batch).float().cpu())
            targets.append(batch[self.target].cpu())
        logits_t, y_t = torch.cat(logits), torch.cat(targets)
        loss = F.cross_entropy(logits_t, y_t).item()
        proba = torch.softmax(logits_t.double(), dim=1).numpy()
        y = y_t.numpy()
        pred = proba.argmax(axis=1)
        n_classes = proba.shape[1]
        if len(np.unique(y)) < n_classes:
            auc = float("nan")
        elif n_classes == 2:
            auc = roc_auc_score(y, proba[:, 1])
        else:
            auc = roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=np.arange(n_classes))
        return {"loss": loss, "accuracy": float(np.mean(pred == y)),
                "balanced_accuracy": float(balanced_accuracy_score(y, pred)), "roc_auc": float(auc)}
