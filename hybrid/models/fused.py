"""CNN + handcrafted-feature fusion classifier, trained end to end.

:class:`FusedCNNClassifier` concatenates a backbone's embedding with standardised handcrafted
texture features (:class:`features.handcrafted.HandcraftedFeatures`) and classifies the joint
vector with a small MLP — the "feature-level fusion" of deep and handcrafted descriptors
(e.g. Nanni, Ghidoni & Brahnam, *Handcrafted vs. non-handcrafted features for computer vision
classification*, Pattern Recognition 71 (2017) 158-172, doi:10.1016/j.patcog.2017.05.025).

Augmentation and the handcrafted branch. Handcrafted features are extracted **once per
image at fit time, from the un-augmented image** (after channel selection, at its original
size — the extractor does its own resizing), not re-extracted per epoch: extraction is far
costlier than a forward pass, and the augmentations used (flips, small shifts/rotations,
brightness) leave texture statistics nearly unchanged. So during training the CNN branch
sees augmented views while the handcrafted branch sees the fixed descriptor of the original
image; at prediction both see the original. The features are standardised with the mean and
standard deviation of the **training split only** (not the validation hold-out), stored as
buffers of the network (saved with its ``state_dict``); a constant feature (std 0) is only
centred.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hybrid.deep import Backbone, normalize_batch
from hybrid.models.cnn import TorchImageClassifier

__all__ = ["FusedCNNClassifier", "FusedNet", "handcrafted_extractor"]


def handcrafted_extractor(params: dict[str, Any] | None) -> Any:
    """``features.handcrafted.HandcraftedFeatures(**params)`` (default parameters when None)."""
    from features.handcrafted import HandcraftedFeatures

    return HandcraftedFeatures(**(params or {}))


class FusedNet(nn.Module):
    """``head([backbone(image), (features - mean) / std])`` with an MLP head.

    Parameters
    ----------
    backbone : Backbone
    n_features : int
        Length of the handcrafted vector.
    n_classes : int
    hidden : int
        Width of the head's hidden layer.
    dropout : float
        Dropout after the hidden layer.
    freeze_backbone : bool
        Backbone parameters get ``requires_grad=False`` and the backbone stays in eval mode
        (batch-norm statistics frozen) even while the model trains.
    normalize : {"imagenet", None}
        Input normalisation of the CNN branch (:func:`hybrid.deep.normalize_batch`).

    Buffers ``feature_mean`` / ``feature_std`` hold the standardisation learned on the
    training split.
    """

    def __init__(self, backbone: Backbone, n_features: int, n_classes: int, hidden: int = 256,
                 dropout: float = 0.3, freeze_backbone: bool = False, normalize: str | None = "imagenet") -> None:
        super().__init__()
        self.backbone = backbone
        self.normalize = normalize
        self.freeze_backbone = freeze_backbone
        self.register_buffer("feature_mean", torch.zeros(n_features))
        self.register_buffer("feature_std", torch.ones(n_features))
        self.head = nn.Sequential(nn.Linear(backbone.dim + n_features, hidden), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(hidden, n_classes))
        if freeze_backbone:
            self.backbone.requires_grad_(False)

    def set_standardization(self, features: torch.Tensor) -> None:
        """Learn ``feature_mean`` / ``feature_std`` (population std, ddof=0; 0 replaced by 1) from ``features``."""
        mean = features.mean(dim=0)
        std = features.std(dim=0, unbiased=False)
        self.feature_mean.copy_(mean)
        self.feature_std.copy_(torch.where(std > 0, std, torch.ones_like(std)))

    def train(self, mode: bool = True) -> FusedNet:
        super().train(mode)
        if self.freeze_backbone:
            self.backbone.eval()
        return self

    def forward(self, image: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        z = self.backbone(normalize_batch(image, self.normalize))
        f = (features.to(z.dtype) - self.feature_mean) / self.feature_std
        return self.head(torch.cat([z, f], dim=1))


class FusedCNNClassifier(TorchImageClassifier):
    """Backbone branch + handcrafted branch → MLP head (scikit-learn classifier).

    Parameters are those of :class:`hybrid.models.CNNClassifier` (same meaning and defaults)
    plus:

    handcrafted : dict or None
        Parameters of :class:`features.handcrafted.HandcraftedFeatures` (``extractors``,
        ``image_size`` …); None = its defaults.
    freeze_backbone : bool
        Train only the head (the backbone acts as a fixed feature extractor).
    hidden : int
        Hidden width of the MLP head.
    dropout : float
        Dropout in the head.

    Attributes
    ----------
    classes_, model_ (:class:`FusedNet`), history_, in_chans_, n_train_, n_val_
        As for :class:`CNNClassifier`.
    n_handcrafted_ : int
        Length of the handcrafted vector.
    extractor_ : HandcraftedFeatures
        The fitted extractor (rebuilt from ``handcrafted`` after :meth:`load`).

    Notes
    -----
    See the module docstring for how augmentation and standardisation are handled.
    """

    kind = "fused_cnn_classifier"
    _inputs = ("image", "features")
    _fitted_attributes = TorchImageClassifier._fitted_attributes + ("n_handcrafted_",)

    def __init__(self, backbone: str = "resnet18", weights: Any = None, channels: int | Sequence[int] | None = None,
                 channel_mode: str = "replicate", image_size: int = 224, handcrafted: dict[str, Any] | None = None,
                 freeze_backbone: bool = False, hidden: int = 256, epochs: int = 10, batch_size: int = 16,
                 optimizer: str = "sgd", lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 1e-4,
                 schedule: str = "step", step_size: int = 7, gamma: float = 0.1, patience: int | None = None,
                 monitor: str | None = None, augmentation: str | Callable | None = "A",
                 class_weight: str | None = "balanced", val_fraction: float = 0.1, dropout: float = 0.3,
                 checkpoint_dir: str | Path | None = None, resume: bool = False, random_state: int = 0,
                 device: str = "cpu", progress: bool = False, max_minutes: float | None = None) -> None:
        self.backbone = backbone
        self.weights = weights
        self.channels = channels
        self.channel_mode = channel_mode
        self.image_size = image_size
        self.handcrafted = handcrafted
        self.freeze_backbone = freeze_backbone
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.step_size = step_size
        self.gamma = gamma
        self.patience = patience
        self.monitor = monitor
        self.augmentation = augmentation
        self.class_weight = class_weight
        self.val_fraction = val_fraction
        self.dropout = dropout
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.random_state = random_state
        self.device = device
        self.progress = progress
        self.max_minutes = max_minutes

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.handcrafted is not None and not isinstance(self.handcrafted, dict):
            raise ValueError(f"handcrafted must be a dict of HandcraftedFeatures parameters or None, "
                             f"got {type(self.handcrafted).__name__}")
        if isinstance(self.hidden, bool) or not isinstance(self.hidden, (int, np.integer)) or self.hidden < 1:
            raise ValueError(f"hidden must be a positive integer, got {self.hidden!r}")

    def _features(self, images: list[np.ndarray]) -> torch.Tensor:
        feats = np.asarray(self.extractor_.transform(images), dtype=np.float64)
        bad = ~np.isfinite(feats).all(axis=1)
        if bad.any():
            raise ValueError(f"handcrafted features are NaN/infinite for image(s) {np.flatnonzero(bad)[:10].tolist()}")
        return torch.as_tensor(feats, dtype=torch.float32)

    def _fit_extras(self, images: list[np.ndarray], train_idx: np.ndarray) -> dict[str, torch.Tensor]:
        self.extractor_ = handcrafted_extractor(self.handcrafted).fit([images[i] for i in train_idx])
        feats = self._features(images)
        self.n_handcrafted_ = int(feats.shape[1])
        self._train_features = feats[torch.as_tensor(train_idx)]
        return {"features": feats}

    def _extras(self, images: list[np.ndarray]) -> dict[str, torch.Tensor]:
        if getattr(self, "extractor_", None) is None:  # after load(): stateless extractor, fit = output length
            self.extractor_ = handcrafted_extractor(self.handcrafted).fit(images[:1])
        feats = self._features(images)
        if feats.shape[1] != self.n_handcrafted_:
            raise ValueError(f"the handcrafted extractor gives {feats.shape[1]} features, the model was trained "
                             f"on {self.n_handcrafted_}; the features package changed since saving?")
        return {"features": feats}

    def _build_network(self, backbone: Backbone, n_classes: int) -> nn.Module:
        net = FusedNet(backbone, self.n_handcrafted_, n_classes, hidden=self.hidden, dropout=self.dropout,
                       freeze_backbone=self.freeze_backbone)
        train_features = self.__dict__.pop("_train_features", None)
        if train_features is not None:  # at fit (at load the buffers come from the state_dict)
            net.set_standardization(train_features)
        return net
