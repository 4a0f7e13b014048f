"""Fine-tuned CNN classifier as a scikit-learn estimator.

:class:`CNNClassifier` fine-tunes a registered backbone (:func:`hybrid.deep.create_backbone`)
with a linear head end to end, using the shared :class:`hybrid.training.Trainer`. The
machinery shared with :class:`hybrid.models.fused.FusedCNNClassifier` (image preparation,
validation split, training, prediction, save/load) lives in :class:`TorchImageClassifier`.

Data flow. Images (any size, ``(H, W)`` or ``(H, W, C)``, uint8/uint16/float in [0, 1]) →
optional channel selection (``channels``, :func:`hybrid.data.preprocessing.select_channels`) →
resized to ``image_size`` and scaled to [0, 1] (:func:`hybrid.data.tensors.to_tensor_batch`) →
training-time augmentation applied per sample by the dataset → inside the network:
ImageNet normalisation (:func:`hybrid.deep.normalize_batch`), backbone, dropout, linear head.
Normalisation lives in the network so training, validation and prediction see the same
input scale whatever the augmentation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.utils.validation import check_is_fitted
from torch import nn

from features._base import as_image_list
from features._validation import check_choice, check_positive_int
from hybrid.data.augmentation import PRESETS, augmentation_preset
from hybrid.data.preprocessing import select_channels
from hybrid.data.tensors import to_tensor_batch
from hybrid.deep import BACKBONES, Backbone, available_backbones, create_backbone, normalize_batch
from hybrid.deep.backbones import CHANNEL_MODES
from hybrid.models.persistence import read_model_config, write_model_folder
from hybrid.training import (
    ArrayDataset,
    ClassificationTask,
    History,
    TrainConfig,
    Trainer,
    balanced_class_weights,
    load_checkpoint,
)

__all__ = ["CNNClassifier", "ClassifierNet", "TorchImageClassifier", "make_augmentation"]

# Parameters that control a run without changing what is learned; left out of the resume fingerprint.
_RUN_CONTROL_PARAMS = ("checkpoint_dir", "resume", "progress", "device", "epochs", "patience", "max_minutes")


def make_augmentation(augmentation: str | Callable | None, size: int) -> Callable | None:
    """Training transform from a preset name (``"A"``, ``"B"``, ``"none"``), a callable or None.

    Presets come from :func:`hybrid.data.augmentation.augmentation_preset` with
    ``normalize=False``, so their images stay in [0, 1]: the classifier networks normalise
    their input themselves, and training then sees the same scale as prediction. A callable is
    used as is and must return images in [0, 1]: ``f(image[C,H,W], mask) -> (image, mask)`` or
    ``image``.
    """
    if augmentation is None or callable(augmentation):
        return augmentation
    check_choice(augmentation, "augmentation", PRESETS)
    return augmentation_preset(augmentation, size, normalize=False)


class ClassifierNet(nn.Module):
    """Backbone → dropout → linear head, with input normalisation inside.

    Parameters
    ----------
    backbone : Backbone
        From :func:`hybrid.deep.create_backbone`; its ``forward`` gives ``(n, dim)``.
    n_classes : int
    dropout : float
    normalize : {"imagenet", None}
        See :func:`hybrid.deep.normalize_batch`; inputs are expected in [0, 1].
    """

    def __init__(self, backbone: Backbone, n_classes: int, dropout: float = 0.0,
                 normalize: str | None = "imagenet") -> None:
        super().__init__()
        self.backbone = backbone
        self.normalize = normalize
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(backbone.dim, n_classes)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.backbone(normalize_batch(image, self.normalize))))


def _check_fraction(value: Any, name: str, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= high:
        raise ValueError(f"{name} must be a number in [0, {high}], got {value!r}")
    return float(value)


class TorchImageClassifier(ClassifierMixin, BaseEstimator):
    """Shared machinery of the fine-tuned image classifiers (not used directly).

    Subclasses implement :meth:`_build_network` and, when the network takes more than the
    image, :meth:`_fit_extras` / :meth:`_extras` and set ``_inputs``; their ``__init__``
    lists every parameter (scikit-learn's ``get_params`` reads the signature).
    """

    kind = "torch_image_classifier"
    _inputs: tuple[str, ...] = ("image",)
    #: Fitted attributes (besides classes_, model_, history_) stored in config.json by save().
    _fitted_attributes: tuple[str, ...] = ("in_chans_", "n_train_", "n_val_")

    # -- parameters ------------------------------------------------------------------------
    def _validate_params(self) -> None:
        if self.backbone not in BACKBONES:
            raise ValueError(f"backbone must be one of {available_backbones()}, got {self.backbone!r}")
        check_choice(self.channel_mode, "channel_mode", CHANNEL_MODES)
        check_positive_int(self.image_size, "image_size", minimum=16)
        _check_fraction(self.val_fraction, "val_fraction", 0.5)
        _check_fraction(self.dropout, "dropout", 0.99)
        check_choice(self.class_weight, "class_weight", ("balanced", None))
        if not (self.augmentation is None or callable(self.augmentation) or self.augmentation in PRESETS):
            raise ValueError(f"augmentation must be one of {list(PRESETS)}, None or a callable, "
                             f"got {self.augmentation!r}")
        if self.monitor is not None and not isinstance(self.monitor, str):
            raise ValueError(f"monitor must be a history column name or None, got {self.monitor!r}")
        self._train_config(validation=self.val_fraction > 0)  # validates the optimisation settings

    def _fingerprint(self, x: torch.Tensor, y_enc: np.ndarray, train_idx: np.ndarray) -> str:
        """Hash of the prepared images, labels, split and parameters (except run-control ones)."""
        params = {k: v for k, v in self.get_params(deep=False).items() if k not in _RUN_CONTROL_PARAMS}
        digest = hashlib.sha256(x.numpy().tobytes())
        for part in (y_enc.astype(np.int64), np.asarray(train_idx, dtype=np.int64)):
            digest.update(part.tobytes())
        stable = {k: f"{getattr(v, '__module__', '')}.{getattr(v, '__qualname__', type(v).__qualname__)}"
                  if callable(v) else repr(v) for k, v in params.items()}  # no memory addresses
        digest.update(repr(sorted(stable.items())).encode())
        return digest.hexdigest()

    def _train_config(self, validation: bool, fingerprint: str | None = None) -> TrainConfig:
        monitor = self.monitor if self.monitor is not None else ("val_loss" if validation else "train_loss")
        if not validation and monitor != "train_loss":
            raise ValueError(f"monitor={monitor!r} needs val_fraction > 0; use monitor='train_loss' or None")
        return TrainConfig(
            epochs=self.epochs, batch_size=self.batch_size, optimizer=self.optimizer, lr=self.lr,
            momentum=self.momentum, weight_decay=self.weight_decay, schedule=self.schedule,
            step_size=self.step_size, gamma=self.gamma, patience=self.patience, monitor=monitor,
            monitor_mode="min" if monitor.endswith("loss") else "max", seed=self.random_state,
            checkpoint_dir=self.checkpoint_dir, resume=self.resume, progress=self.progress, device=self.device,
            max_minutes=self.max_minutes, fingerprint=fingerprint,
        )

    # -- hooks for subclasses ----------------------------------------------------------------
    def _build_network(self, backbone: Backbone, n_classes: int) -> nn.Module:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_extras(self, images: list[np.ndarray], train_idx: np.ndarray) -> dict[str, torch.Tensor]:
        """Per-sample extra inputs for all fit images (fitting any state on ``train_idx`` only)."""
        return {}

    def _extras(self, images: list[np.ndarray]) -> dict[str, torch.Tensor]:
        """Per-sample extra inputs at prediction time."""
        return {}

    # -- data --------------------------------------------------------------------------------
    def _select(self, images: Any, name: str) -> list[np.ndarray]:
        ims = as_image_list(images, name)
        if not ims:
            raise ValueError(f"{name} is empty; expected at least one image")
        out = []
        for i, im in enumerate(ims):
            try:
                out.append(select_channels(im, self.channels))
            except ValueError as exc:
                raise ValueError(f"{name}[{i}]: {exc}") from exc
        return out

    def _tensor(self, images: list[np.ndarray]) -> torch.Tensor:
        return to_tensor_batch(images, self.image_size, channels=self.in_chans_)

    def _split(self, y: np.ndarray, groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Stratified (and grouped when ``groups`` is given) hold-out of ~``val_fraction``."""
        n = len(y)
        if self.val_fraction == 0:
            return np.arange(n), np.arange(0)
        groups = np.arange(n) if groups is None else groups
        n_splits = max(2, int(round(1 / self.val_fraction)))
        n_groups = len(np.unique(groups))
        if n_groups < n_splits:
            raise ValueError(
                f"val_fraction={self.val_fraction} needs at least {n_splits} groups/samples to hold out one fold; "
                f"got {n_groups}. Lower val_fraction or set it to 0"
            )
        cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        train_idx, val_idx = next(cv.split(np.zeros(n), y, groups))
        missing = set(range(len(self.classes_))) - set(y[train_idx].tolist())
        if missing:
            raise ValueError(f"the training split lacks class(es) {self.classes_[sorted(missing)].tolist()}; "
                             "provide more samples per class or set val_fraction=0")
        return train_idx, val_idx

    # -- scikit-learn API --------------------------------------------------------------------
    def fit(self, images: Sequence, y: Sequence, groups: Sequence | None = None) -> TorchImageClassifier:
        """Fine-tune on ``images`` with labels ``y`` (any hashable labels; >= 2 classes).

        Parameters
        ----------
        images : sequence of arrays
        y : sequence of labels
        groups : sequence, optional
            Group of each image (patient, near-duplicate cluster); the validation hold-out used
            for early stopping never splits a group.
        """
        self._validate_params()
        ims = self._select(images, "images")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(ims):
            raise ValueError(f"y must be 1-D with one label per image ({len(ims)}), got shape {y.shape}")
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != y.shape:
                raise ValueError(f"groups must have one entry per image ({len(ims)}), got shape {groups.shape}")
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y must hold at least 2 classes, got {self.classes_.tolist()}")
        self.in_chans_ = 1 if ims[0].ndim == 2 else int(ims[0].shape[-1])
        if self.channel_mode == "replicate" and self.in_chans_ not in (1, 3):
            raise ValueError(f"images have {self.in_chans_} channels after selection (channels={self.channels!r}); "
                             "channel_mode='replicate' needs 1 or 3 — use channel_mode='adapt'")
        train_idx, val_idx = self._split(y_enc, groups)
        x = self._tensor(ims)
        targets = torch.as_tensor(y_enc, dtype=torch.int64)
        extras = self._fit_extras(ims, train_idx)
        network = self._new_network()
        transform = make_augmentation(self.augmentation, self.image_size)
        train = ArrayDataset(x[train_idx], targets[train_idx], extras={k: v[train_idx] for k, v in extras.items()},
                             transform=transform)
        val = None
        if len(val_idx):
            val = ArrayDataset(x[val_idx], targets[val_idx], extras={k: v[val_idx] for k, v in extras.items()})
        weight = balanced_class_weights(y_enc[train_idx], len(self.classes_)) if self.class_weight else None
        task = ClassificationTask(class_weight=weight, inputs=self._inputs)
        config = self._train_config(validation=val is not None, fingerprint=self._fingerprint(x, y_enc, train_idx))
        self.history_ = Trainer(config).fit(network, train, val, task)
        self.model_ = network.eval()
        self.n_train_, self.n_val_ = len(train_idx), len(val_idx)
        return self

    def _new_network(self) -> nn.Module:
        backbone = create_backbone(self.backbone, self.weights, in_chans=self.in_chans_,
                                   channel_mode=self.channel_mode, seed=self.random_state)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.random_state)
            return self._build_network(backbone, len(self.classes_))

    def predict_proba(self, images: Sequence) -> np.ndarray:
        """Class probabilities ``(n, n_classes)`` float64 (softmax; rows sum to 1), columns in ``classes_`` order."""
        check_is_fitted(self, "model_")
        ims = self._select(images, "images")
        device = next(self.model_.parameters()).device
        self.model_.eval()
        out = []
        with torch.inference_mode():
            for start in range(0, len(ims), self.batch_size):
                chunk = ims[start:start + self.batch_size]
                inputs = {"image": self._tensor(chunk), **self._extras(chunk)}
                logits = self.model_(*(inputs[k].to(device) for k in self._inputs))
                out.append(torch.softmax(logits.double(), dim=1).cpu().numpy())
        proba = np.concatenate(out)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, images: Sequence) -> np.ndarray:
        """Most probable class of each image (labels from ``classes_``)."""
        return self.classes_[np.argmax(self.predict_proba(images), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags

    # -- persistence -------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write ``config.json`` (kind, parameters, fitted attributes, history, versions),
        ``classes.json`` and ``weights.pt`` (``state_dict``) to ``directory``, atomically.

        A callable ``augmentation`` cannot be stored in JSON; it is saved as None (it only
        matters for training) and listed under ``dropped_params``.
        """
        check_is_fitted(self, "model_")
        fitted = {name: getattr(self, name) for name in self._fitted_attributes}
        return write_model_folder(directory, self, fitted=fitted, classes=self.classes_,
                                  state_dict=self.model_.state_dict(), history=self.history_.to_dict())

    @classmethod
    def load(cls, directory: str | Path) -> TorchImageClassifier:
        """Rebuild an estimator written by :meth:`save` (weights loaded with ``weights_only=True``).

        The backbone is built without its original pretrained weights (the saved ``state_dict``
        holds every trained parameter), so loading never downloads nor needs the weights file.
        """
        config, classes = read_model_config(directory, cls.kind)
        model = cls(**config["params"])
        for key, value in config["fitted"].items():
            setattr(model, key, value)
        model.classes_ = classes
        model.history_ = History.from_dict(config["history"])
        state = load_checkpoint(Path(directory) / "weights.pt")
        weights, model.weights = model.weights, None
        try:
            network = model._new_network()
            network.load_state_dict(state)
        except (RuntimeError, KeyError) as exc:
            raise ValueError(f"{directory}: weights.pt does not match the saved configuration: {exc}") from exc
        finally:
            model.weights = weights
        model.model_ = network.eval()
        return model


class CNNClassifier(TorchImageClassifier):
    """Fine-tune a CNN backbone with a linear head, end to end (scikit-learn classifier).

    Parameters
    ----------
    backbone : str
        Registry name (``"resnet18"``, ``"resnet34"``, ``"resnet50"``, ``"vgg16"``).
    weights : None, str or path
        Initial backbone weights (see :func:`hybrid.deep.create_backbone`): None = random
        initialisation seeded by ``random_state``; ``"DEFAULT"`` or a weights name from the torch
        hub cache; a local file. Nothing is downloaded.
    channels : None, int or sequence of int
        Channels of ``(H, W, C)`` images to use (``None`` = all; e.g. 1 = FLAIR for LGG).
    channel_mode : {"replicate", "adapt"}
        How non-RGB input meets the RGB backbone (:mod:`hybrid.deep.backbones`).
    image_size : int
        Images are resized to ``image_size`` × ``image_size`` (aspect ratio not kept).
    epochs, batch_size, optimizer, lr, momentum, weight_decay, schedule, step_size, gamma, patience
        Training recipe, see :class:`hybrid.training.TrainConfig` (default: SGD with momentum,
        step decay ×0.1 every 7 epochs).
    monitor : str or None
        History column for early stopping / best epoch (``"val_loss"``, ``"val_roc_auc"``,
        ``"val_balanced_accuracy"`` …); columns ending in ``loss`` are minimised, others
        maximised. None: ``"val_loss"``, or ``"train_loss"`` when ``val_fraction=0``.
    augmentation : {"A", "B", "none"}, callable or None
        Training augmentation (:func:`make_augmentation`); validation and prediction images
        are never augmented.
    class_weight : {"balanced", None}
        ``"balanced"`` weights the cross-entropy by ``n / (k * n_c)`` computed on the training
        split (:func:`hybrid.training.balanced_class_weights`).
    val_fraction : float in [0, 0.5]
        Share of the fit data held out (stratified, grouped when ``groups`` are passed to
        :meth:`fit`: one fold of ``StratifiedGroupKFold(round(1 / val_fraction))``) for early
        stopping and best-epoch selection. 0 = no hold-out.
    dropout : float
        Dropout before the head.
    checkpoint_dir : path or None
        Where the trainer keeps ``last.pt`` / ``best.pt`` / history (None: in memory).
    resume : bool
        Continue an interrupted fit from ``checkpoint_dir/last.pt``.
    random_state : int
        Seeds initialisation, the hold-out split, shuffling and augmentation.
    device : str
    progress : bool
        tqdm bars during training.
    max_minutes : float or None
        Time budget of the fit (:class:`hybrid.training.TrainConfig`): training stops after the
        epoch at which the next one would exceed it; ``history_.stopped_by`` then reads
        ``"time_budget"``. None = no limit.

    Attributes
    ----------
    classes_ : ndarray
        Sorted labels; column order of :meth:`predict_proba`.
    model_ : ClassifierNet
    history_ : hybrid.training.History
    in_chans_ : int
        Channels after selection, fixed at fit.
    n_train_, n_val_ : int
        Sizes of the training split and the validation hold-out.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> images = [rng.integers(0, 255, (40, 40), dtype=np.uint8) for _ in range(8)]
    >>> clf = CNNClassifier(image_size=32, epochs=1, batch_size=4, augmentation=None, val_fraction=0)
    >>> clf.fit(images, ["a", "b"] * 4).predict_proba(images[:2]).shape
    (2, 2)
    """

    kind = "cnn_classifier"

    def __init__(self, backbone: str = "resnet18", weights: Any = None, channels: int | Sequence[int] | None = None,
                 channel_mode: str = "replicate", image_size: int = 224, epochs: int = 10, batch_size: int = 16,
                 optimizer: str = "sgd", lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 1e-4,
                 schedule: str = "step", step_size: int = 7, gamma: float = 0.1, patience: int | None = None,
                 monitor: str | None = None, augmentation: str | Callable | None = "A",
                 class_weight: str | None = "balanced", val_fraction: float = 0.1, dropout: float = 0.0,
                 checkpoint_dir: str | Path | None = None, resume: bool = False, random_state: int = 0,
                 device: str = "cpu", progress: bool = False, max_minutes: float | None = None) -> None:
        self.backbone = backbone
        self.weights = weights
        self.channels = channels
        self.channel_mode = channel_mode
        self.image_size = image_size
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

    def _build_network(self, backbone: Backbone, n_classes: int) -> nn.Module:
        return ClassifierNet(backbone, n_classes, dropout=self.dropout)
