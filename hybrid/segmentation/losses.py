"""Segmentation losses on logits: soft Dice, BCE + Dice, focal.

All losses take raw logits ``(n, C, H, W)`` and a target of the same shape with values in
``{0, 1}`` (binary / multi-label, sigmoid per channel) — or, for ``C > 1`` with
``multiclass=True``, integer labels ``(n, H, W)`` or ``(n, 1, H, W)`` (softmax over channels,
one-hot targets).

Soft Dice definition (chosen on purpose)
----------------------------------------
For each sample ``i`` and channel ``c`` with probabilities ``p`` and target ``t``::

    D_ic = (2 * sum(p * t) + s) / (sum(p) + sum(t) + s),      s = smooth = 1.0

and ``loss = 1 - mean_ic(D_ic)``: **per sample**, then averaged over samples and channels
(not one Dice over the pooled batch). The smoothing term ``s`` makes an empty target with an
empty prediction score ``D = 1`` (loss 0), consistent with the empty-mask rule of
:mod:`hybrid.segmentation.metrics`; an empty target with ``sum(p) = P`` pixels of predicted
mass scores ``1 / (P + 1)``.

References
----------
Milletari F, Navab N, Ahmadi S-A. V-Net: fully convolutional neural networks for volumetric
medical image segmentation. 3DV 2016, 565-571. doi:10.1109/3DV.2016.79
Lin T-Y, Goyal P, Girshick R, He K, Dollár P. Focal loss for dense object detection. ICCV
2017, 2999-3007. doi:10.1109/ICCV.2017.324
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DiceLoss", "BCEDiceLoss", "FocalLoss", "make_loss", "LOSSES"]


def _probabilities_and_target(logits: torch.Tensor, target: torch.Tensor, multiclass: bool):
    if logits.ndim != 4:
        raise ValueError(f"logits must be (n, C, H, W), got shape {tuple(logits.shape)}")
    if multiclass:
        if target.ndim == 4:
            target = target[:, 0]
        if target.shape != logits.shape[:1] + logits.shape[2:]:
            raise ValueError(f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}")
        onehot = F.one_hot(target.long(), logits.shape[1]).permute(0, 3, 1, 2).to(logits.dtype)
        return logits.softmax(dim=1), onehot
    if target.shape != logits.shape:
        raise ValueError(f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}")
    return logits.sigmoid(), target.to(logits.dtype)


class DiceLoss(nn.Module):
    """Soft Dice loss ``1 - mean_ic((2 Σpt + s) / (Σp + Σt + s))`` per sample and channel.

    Parameters
    ----------
    smooth : float
        ``s`` in the formula above (default 1.0); must be > 0.
    multiclass : bool
        Softmax + one-hot integer targets instead of sigmoid per channel.

    Examples
    --------
    >>> logits = torch.full((1, 1, 2, 2), 20.0)          # p ≈ 1 everywhere
    >>> target = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])
    >>> round(float(DiceLoss()(logits, target)), 4)    # 1 - (2*2+1)/(4+2+1)
    0.2857
    """

    def __init__(self, smooth: float = 1.0, multiclass: bool = False):
        super().__init__()
        if not smooth > 0:
            raise ValueError(f"smooth must be > 0, got {smooth!r}")
        self.smooth = float(smooth)
        self.multiclass = bool(multiclass)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        p, t = _probabilities_and_target(logits, target, self.multiclass)
        inter = (p * t).sum(dim=(2, 3))
        denom = p.sum(dim=(2, 3)) + t.sum(dim=(2, 3))
        return 1.0 - ((2.0 * inter + self.smooth) / (denom + self.smooth)).mean()


class BCEDiceLoss(nn.Module):
    """``bce_weight * BCE(logits, target) + dice_weight * DiceLoss(logits, target)`` (both 1.0 by default).

    BCE is the pixel mean of :func:`torch.nn.functional.binary_cross_entropy_with_logits`
    (cross-entropy with softmax for ``multiclass=True``).

    Examples
    --------
    >>> logits = torch.zeros(1, 1, 2, 2)                 # p = 0.5: BCE = ln 2
    >>> target = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    >>> round(float(BCEDiceLoss()(logits, target)), 4)  # ln 2 + 1 - (2*0.5+1)/(2+1+1)
    1.1931
    """

    def __init__(self, bce_weight: float = 1.0, dice_weight: float = 1.0, smooth: float = 1.0,
                 multiclass: bool = False):
        super().__init__()
        self.bce_weight = float(bce_weight)
        self.dice_weight = float(dice_weight)
        self.multiclass = bool(multiclass)
        self.dice = DiceLoss(smooth=smooth, multiclass=multiclass)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.multiclass:
            labels = target[:, 0] if target.ndim == 4 else target
            ce = F.cross_entropy(logits, labels.long())
        else:
            ce = F.binary_cross_entropy_with_logits(logits, target.to(logits.dtype))
        return self.bce_weight * ce + self.dice_weight * self.dice(logits, target)


class FocalLoss(nn.Module):
    """Binary focal loss ``-α_t (1 - p_t)^γ log(p_t)``, mean over pixels (Lin et al. 2017).

    ``p_t = p`` where the target is 1 and ``1 - p`` where it is 0; ``α_t = alpha`` for
    positives and ``1 - alpha`` for negatives. ``alpha=None`` disables the weighting
    (``α_t = 1``). ``gamma=0`` and ``alpha=None`` give plain BCE.

    Examples
    --------
    >>> logits = torch.zeros(1, 1, 1, 2)                 # p_t = 0.5 for both pixels
    >>> target = torch.tensor([[[[1.0, 0.0]]]])
    >>> round(float(FocalLoss(alpha=None, gamma=2.0)(logits, target)), 4)  # 0.25 * ln 2
    0.1733
    """

    def __init__(self, alpha: float | None = 0.25, gamma: float = 2.0):
        super().__init__()
        if alpha is not None and not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1] or None, got {alpha!r}")
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma!r}")
        self.alpha = alpha
        self.gamma = float(gamma)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if target.shape != logits.shape:
            raise ValueError(f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}")
        t = target.to(logits.dtype)
        ce = F.binary_cross_entropy_with_logits(logits, t, reduction="none")
        p = logits.sigmoid()
        p_t = p * t + (1 - p) * (1 - t)
        loss = ce * (1 - p_t) ** self.gamma
        if self.alpha is not None:
            loss = loss * (self.alpha * t + (1 - self.alpha) * (1 - t))
        return loss.mean()


LOSSES = {"dice": DiceLoss, "bce_dice": BCEDiceLoss, "focal": FocalLoss}


def make_loss(name: str, **kwargs) -> nn.Module:
    """Loss instance by name: ``"dice"``, ``"bce_dice"`` or ``"focal"``."""
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {name!r}")
    return LOSSES[name](**kwargs)
