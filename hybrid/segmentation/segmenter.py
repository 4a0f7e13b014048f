"""`Segmenter`: a scikit-learn style estimator around UNet / ResUNet, trained by the shared trainer.

Data flow: images of any size (2-D grey or ``(H, W, C)``) and boolean masks are resized to
``image_size x image_size`` and scaled to [0, 1] by :func:`hybrid.data.tensors.to_tensor_batch`
(area interpolation when shrinking, bilinear when enlarging; ``uint8 / 255``, ``uint16 / 65535``,
floats must already lie in [0, 1]); masks go through the same resize and are binarised with
``>= 0.5``. They are trained with :class:`hybrid.training.Trainer` through :class:`SegmentationTask`.
At prediction the sigmoid probability map is resized back bilinearly to each input's
**original** size, then thresholded and post-processed there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator
from sklearn.model_selection import GroupShuffleSplit
from sklearn.utils.validation import check_is_fitted
from torch import nn
from torch.utils.data import Subset
from tqdm.auto import tqdm

from features._validation import check_choice, check_image, check_mask, check_positive_int
from hybrid.data.preprocessing import normalize_intensity
from hybrid.data.tensors import to_tensor_batch
from hybrid.segmentation.losses import make_loss
from hybrid.segmentation.metrics import dice_per_slice, segmentation_report
from hybrid.segmentation.postprocess import check_postprocess_options, postprocess
from hybrid.segmentation.resunet import ResUNet
from hybrid.segmentation.unet import UNet
from hybrid.training import ArrayDataset, TrainConfig, Trainer, atomic_directory, seed_everything

__all__ = ["Segmenter", "SegmentationTask", "ARCHITECTURES", "build_network", "MIN_SIZE_GRID"]

ARCHITECTURES = {"unet": UNet, "resunet": ResUNet}
FORMAT = "tumortrace-segmenter"
VERSION = 1
#: ``min_size`` candidates (pixels at the input's original size) of ``Segmenter(tune_min_size=True)``.
MIN_SIZE_GRID = (0, 16, 32, 64, 128, 256, 512, 1024)


def build_network(arch: str, **kwargs) -> nn.Module:
    """``UNet`` or ``ResUNet`` by name with the given constructor arguments."""
    check_choice(arch, "arch", tuple(ARCHITECTURES))
    return ARCHITECTURES[arch](**kwargs)


# -- tensors ----------------------------------------------------------------------------------
def _channels_of(image: np.ndarray) -> int:
    return 1 if image.ndim == 2 else image.shape[-1]


def _validate_images(images: Sequence, channels: int | None) -> list[np.ndarray]:
    if isinstance(images, np.ndarray) and images.ndim == 2:
        raise ValueError("images must be a list of images (or an (n, H, W[, C]) array), got one 2-D array")
    out = []
    for i, image in enumerate(images):
        a = check_image(image, name=f"images[{i}]", allow_channels=True)
        if a.ndim == 3 and a.shape[-1] == 1:
            a = a[..., 0]
        if channels is not None and _channels_of(a) != channels:
            raise ValueError(f"images[{i}] has {_channels_of(a)} channel(s); the segmenter expects {channels}")
        out.append(a)
    if not out:
        raise ValueError("images is empty")
    return out


# -- task and callbacks -------------------------------------------------------------------------
class SegmentationTask:
    """Trainer task: loss on logits vs masks; validation Dice/IoU at ``threshold``.

    ``evaluate`` returns ``loss`` (mean over validation batches), ``dice`` (the monitored
    value: mean per-group volume Dice when ``groups`` is given — tumor-free groups excluded —
    else the mean per-slice Dice with the empty-truth rule of
    :mod:`hybrid.segmentation.metrics`), ``dice_slices``, ``iou_slices`` (means over all
    slices), ``dice_tumor_slices`` (mean over slices with tumor) and ``fp_slice_rate``.
    Validation is done at the training resolution, without post-processing.
    """

    def __init__(self, loss: nn.Module, threshold: float = 0.5, groups: Sequence | None = None) -> None:
        self.loss_fn = loss
        self.threshold = float(threshold)
        self.groups = None if groups is None else np.asarray(groups).astype(str)

    def loss(self, model: nn.Module, batch: dict[str, Any]) -> torch.Tensor:
        return self.loss_fn(model(batch["image"]), batch["mask"])

    def evaluate(self, model: nn.Module, loader) -> dict[str, float]:
        losses, preds, truths, index = [], [], [], []
        for batch in loader:
            logits = model(batch["image"])
            losses.append(float(self.loss_fn(logits, batch["mask"])))
            preds.extend((logits[:, 0].sigmoid() >= self.threshold).cpu().numpy())
            truths.extend((batch["mask"][:, 0] >= 0.5).cpu().numpy())
            index.append(batch["index"].cpu())
        groups = None if self.groups is None else self.groups[torch.cat(index).numpy()]
        report = segmentation_report(preds, truths, groups)
        out = {
            "loss": float(np.mean(losses)),
            "dice_slices": report["mean_dice_all_slices"],
            "iou_slices": float(np.mean(report["iou_per_slice"])),
            "dice_tumor_slices": report["mean_dice_tumor_slices"],
            "fp_slice_rate": report["fp_slice_rate"],
        }
        out["dice"] = report["mean_patient_dice"] if groups is not None else out["dice_slices"]
        return out


# -- the estimator -----------------------------------------------------------------------------
class Segmenter(BaseEstimator):
    """Binary tumor segmentation with a U-Net or ResUNet (scikit-learn style).

    Parameters
    ----------
    arch : {"unet", "resunet"}
    in_channels : int or None
        Input channels; None infers them from the first training image (2-D → 1,
        ``(H, W, C)`` → C). All images must then have that many channels.
    image_size : int
        Side of the square network input (images are resized to it; predictions are
        resized back to each input's original size).
    base_channels, depth, norm, dropout
        Network shape (see :class:`~hybrid.segmentation.unet.UNet`).
    loss : {"bce_dice", "dice", "focal"}
    epochs, batch_size, lr, optimizer, weight_decay, schedule, patience
        Passed to :class:`hybrid.training.TrainConfig`; the monitored value is the validation
        Dice (``val_dice``, maximised; see :class:`SegmentationTask`).
    augmentation : {"A", "B", "none"} or None
        Joint image+mask augmentation preset of :func:`hybrid.data.augmentation.augmentation_preset`.
    oversample_positive : int
        Each training image with a non-empty mask appears this many times per epoch.
    postprocess : dict or None
        Keyword arguments of :func:`hybrid.segmentation.postprocess.postprocess` applied by
        :meth:`predict` (``opening``, ``closing``, ``fill_holes``, ``min_size``, ``keep_largest``).
    threshold : float
        Foreground when probability ``>= threshold``.
    tune_min_size : bool
        After training, choose ``min_size`` (remove smaller components) from
        :data:`MIN_SIZE_GRID` by the mean per-image Dice of the post-processed predictions on
        the validation groups (the held-out groups that also chose the checkpoint; never on
        training or test images). Empty-truth images count with the metrics' empty-truth rule,
        so removing false-positive specks on tumor-free slices is rewarded. Ties go to the
        smaller value. Overrides ``postprocess["min_size"]``; needs ``val_fraction > 0``.
    val_fraction : float
        Fraction of groups (patients) held out for early stopping and checkpoint selection
        (0 → no validation: the last epoch is kept, monitored by training loss).
    max_minutes : float or None
        Time budget: training stops after the epoch at which the next one would exceed it
        (``TrainConfig.max_minutes``, see :mod:`hybrid.training.trainer`).
    normalize : {None, "minmax", "percentile"}
        Per-image, per-channel intensity normalisation before scaling
        (:func:`hybrid.data.preprocessing.normalize_intensity`; ``"percentile"`` clips to the
        1st-99th percentiles). None: integer images divided by their dtype maximum only.
    checkpoint_dir : path or None
        Where the trainer writes ``best.pt``, ``last.pt``, ``history.csv`` and ``history.png``
        (curves of loss, Dice and IoU). None keeps everything in memory.
    resume : bool
        Continue an interrupted run from ``checkpoint_dir/last.pt``.
    random_state : int
        Seeds the split, the weight initialisation and the trainer.
    progress : bool
        tqdm bars during training and prediction.

    Attributes
    ----------
    model_ : torch.nn.Module
    in_channels_ : int
    history_ : hybrid.training.History
    train_groups_, val_groups_ : numpy.ndarray of str
        Groups used for training and for validation.
    stopped_by_time_ : bool
        ``history_.stopped_by == "time_budget"``.
    postprocess_ : dict
        The post-processing :meth:`predict` applies (``postprocess``, with the tuned ``min_size``).
    min_size_scores_ : dict or None
        ``{min_size: validation mean Dice}`` of the candidates when ``tune_min_size``.

    Examples
    --------
    >>> from hybrid.data.synthetic import make_phantoms
    >>> ph = make_phantoms(8, size=32, seed=0)
    >>> seg = Segmenter(image_size=32, base_channels=4, depth=2, epochs=1, augmentation=None,
    ...                 val_fraction=0.25).fit(ph.images, ph.masks)
    >>> [m.shape for m in seg.predict([ph.images[0], ph.images[1][:20, :28]])]
    [(32, 32), (20, 28)]
    """

    def __init__(self, arch: str = "unet", in_channels: int | None = None, image_size: int = 128,
                 base_channels: int = 16, depth: int = 4, norm: str = "batch", dropout: float = 0.0,
                 loss: str = "bce_dice", epochs: int = 30, batch_size: int = 16, lr: float = 1e-3,
                 optimizer: str = "adamw", weight_decay: float = 1e-4, schedule: str = "cosine",
                 patience: int | None = None, augmentation: str | None = "B", oversample_positive: int = 1,
                 postprocess: Mapping | None = None, threshold: float = 0.5, tune_min_size: bool = False,
                 val_fraction: float = 0.2,
                 max_minutes: float | None = None, normalize: str | None = None, checkpoint_dir: str | Path | None = None,
                 resume: bool = False, random_state: int = 0, progress: bool = False):
        self.arch = arch
        self.in_channels = in_channels
        self.image_size = image_size
        self.base_channels = base_channels
        self.depth = depth
        self.norm = norm
        self.dropout = dropout
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.patience = patience
        self.augmentation = augmentation
        self.oversample_positive = oversample_positive
        self.postprocess = postprocess
        self.threshold = threshold
        self.tune_min_size = tune_min_size
        self.val_fraction = val_fraction
        self.max_minutes = max_minutes
        self.normalize = normalize
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.random_state = random_state
        self.progress = progress

    # -- helpers ------------------------------------------------------------------------------
    def _network(self, in_channels: int) -> nn.Module:
        return build_network(self.arch, in_channels=in_channels, out_channels=1, base_channels=self.base_channels,
                             depth=self.depth, norm=self.norm, dropout=self.dropout)

    def _tensors(self, images: list[np.ndarray]) -> torch.Tensor:
        size = check_positive_int(self.image_size, "image_size", minimum=8)
        if self.normalize is not None:
            check_choice(self.normalize, "normalize", ("minmax", "percentile"))
            images = [normalize_intensity(a, self.normalize) for a in images]
        return to_tensor_batch(images, size, channels=self.in_channels_)

    def _transform(self):
        if self.augmentation in (None, "none"):
            return None
        from hybrid.data.augmentation import augmentation_preset

        return augmentation_preset(self.augmentation, self.image_size)

    def _split(self, n: int, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not 0.0 <= float(self.val_fraction) < 1.0:
            raise ValueError(f"val_fraction must be in [0, 1), got {self.val_fraction!r}")
        if self.val_fraction == 0:
            return np.arange(n), np.array([], dtype=int)
        if len(np.unique(groups)) < 2:
            raise ValueError("val_fraction > 0 needs at least 2 groups (patients) to split")
        splitter = GroupShuffleSplit(n_splits=1, test_size=self.val_fraction, random_state=self.random_state)
        train, val = next(splitter.split(np.zeros(n), groups=groups))
        return np.sort(train), np.sort(val)

    # -- fit / predict ------------------------------------------------------------------------
    def fit(self, images: Sequence, masks: Sequence, groups: Sequence | None = None) -> Segmenter:
        """Train on ``images`` and boolean ``masks`` (same sizes pairwise; sizes may vary).

        ``groups`` (e.g. patient ids) keep every group wholly in training or in validation;
        without it each image is its own group.
        """
        check_choice(self.arch, "arch", tuple(ARCHITECTURES))
        check_positive_int(self.oversample_positive, "oversample_positive")
        postprocess_options = check_postprocess_options(self.postprocess)
        imgs = _validate_images(images, self.in_channels)
        if len(masks) != len(imgs):
            raise ValueError(f"{len(imgs)} images but {len(masks)} masks")
        msks = [check_mask(m, imgs[i].shape[:2], name=f"masks[{i}]") for i, m in enumerate(masks)]
        groups = np.arange(len(imgs)).astype(str) if groups is None else np.asarray(groups).astype(str)
        if len(groups) != len(imgs):
            raise ValueError(f"{len(groups)} groups for {len(imgs)} images")
        self.in_channels_ = _channels_of(imgs[0]) if self.in_channels is None else int(self.in_channels)
        _validate_images(imgs, self.in_channels_)
        self.postprocess_ = postprocess_options

        train_idx, val_idx = self._split(len(imgs), groups)
        if self.tune_min_size and not len(val_idx):
            raise ValueError("tune_min_size=True needs validation groups (val_fraction > 0)")
        x = self._tensors(imgs)
        y = (to_tensor_batch(msks, self.image_size, channels=1) >= 0.5).float()
        train_set = ArrayDataset(x[train_idx], masks=y[train_idx], transform=self._transform())
        positive = np.flatnonzero(y[train_idx].flatten(1).amax(1).numpy() > 0)
        repeats = [np.arange(len(train_idx))] + [positive] * (int(self.oversample_positive) - 1)
        train_view = Subset(train_set, np.concatenate(repeats).tolist())
        val_set = ArrayDataset(x[val_idx], masks=y[val_idx]) if len(val_idx) else None

        config = TrainConfig(
            epochs=self.epochs, batch_size=self.batch_size, optimizer=self.optimizer, lr=self.lr,
            weight_decay=self.weight_decay, schedule=self.schedule, patience=self.patience,
            monitor="val_dice" if val_set is not None else "train_loss",
            monitor_mode="max" if val_set is not None else "min",
            seed=self.random_state, checkpoint_dir=self.checkpoint_dir, resume=self.resume, progress=self.progress,
            max_minutes=self.max_minutes,
        )
        seed_everything(self.random_state)
        self.model_ = self._network(self.in_channels_)
        task = SegmentationTask(make_loss(self.loss), self.threshold, groups=groups[val_idx])
        self.history_ = Trainer(config).fit(self.model_, train_view, val_set, task)
        self.model_.eval()
        self.train_groups_ = np.unique(groups[train_idx])
        self.val_groups_ = np.unique(groups[val_idx])
        self.stopped_by_time_ = self.history_.stopped_by == "time_budget"
        self.min_size_scores_ = None
        if self.tune_min_size:
            self.tune_min_size_on([imgs[i] for i in val_idx], [msks[i] for i in val_idx])
        return self

    def tune_min_size_on(self, images: Sequence, masks: Sequence) -> Segmenter:
        """Set ``postprocess_["min_size"]`` to the :data:`MIN_SIZE_GRID` value with the best mean
        Dice of :meth:`predict` on ``images`` against ``masks`` (ties: the smaller value) and
        record every candidate's score in ``min_size_scores_``; returns self.

        Pass held-out validation images (``fit(tune_min_size=True)`` passes its validation
        groups), never the test images: the choice is part of the model.
        """
        check_is_fitted(self, "model_")
        imgs = _validate_images(images, self.in_channels_)
        if len(masks) != len(imgs):
            raise ValueError(f"{len(imgs)} images but {len(masks)} masks")
        msks = [check_mask(m, imgs[i].shape[:2], name=f"masks[{i}]") for i, m in enumerate(masks)]
        probs = self.predict_proba(imgs)
        scores = {}
        for size in MIN_SIZE_GRID:
            options = {**self.postprocess_, "min_size": size}
            preds = [postprocess(p, threshold=self.threshold, **options) for p in probs]
            scores[size] = float(dice_per_slice(preds, msks).mean())
        best = max(MIN_SIZE_GRID, key=lambda size: (scores[size], -size))
        self.postprocess_ = {**self.postprocess_, "min_size": best}
        self.min_size_scores_ = scores
        return self

    @torch.no_grad()
    def predict_proba(self, images: Sequence, batch_size: int | None = None) -> list[np.ndarray]:
        """Foreground probability maps (float32 in [0, 1]), each at its input's original (H, W)."""
        check_is_fitted(self, "model_")
        imgs = _validate_images(images, self.in_channels_)
        self.model_.eval()
        bs = batch_size or self.batch_size
        out: list[np.ndarray] = []
        for start in tqdm(range(0, len(imgs), bs), desc="segment", disable=not self.progress, leave=False):
            chunk = imgs[start:start + bs]
            probs = self.model_(self._tensors(chunk)).sigmoid()
            for a, p in zip(chunk, probs):
                h, w = a.shape[:2]
                p = F.interpolate(p[None], size=(h, w), mode="bilinear", align_corners=False)[0, 0]
                out.append(p.clamp_(0.0, 1.0).numpy().astype(np.float32))
        return out

    def predict(self, images: Sequence, batch_size: int | None = None) -> list[np.ndarray]:
        """Post-processed boolean masks at each input's original size (threshold + ``postprocess``)."""
        check_is_fitted(self, "model_")
        return [postprocess(p, threshold=self.threshold, **self.postprocess_)
                for p in self.predict_proba(images, batch_size)]

    def score(self, images: Sequence, masks: Sequence) -> float:
        """Mean per-image Dice of :meth:`predict` against ``masks`` (empty-truth rule of the metrics module)."""
        return float(dice_per_slice(self.predict(images), masks).mean())

    # -- persistence --------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write ``config.json`` (parameters, fitted attributes, history, versions) and
        ``weights.pt`` (state_dict) to ``directory``, atomically (whole folder)."""
        check_is_fitted(self, "model_")
        params = self.get_params()
        params["checkpoint_dir"] = None if params["checkpoint_dir"] is None else str(params["checkpoint_dir"])
        params["postprocess"] = None if params["postprocess"] is None else dict(params["postprocess"])
        config = {
            "kind": "segmenter", "format": FORMAT, "version": VERSION, "estimator": "Segmenter", "params": params,
            "fitted": {"in_channels_": self.in_channels_, "postprocess_": self.postprocess_,
                       "train_groups_": self.train_groups_.tolist(), "val_groups_": self.val_groups_.tolist(),
                       "stopped_by_time_": self.stopped_by_time_,
                       "min_size_scores_": self.min_size_scores_},
            "history": self.history_.to_dict(),
            "versions": {"torch": torch.__version__, "numpy": np.__version__},
        }
        with atomic_directory(directory) as tmp:
            (tmp / "config.json").write_text(json.dumps(config, indent=2, default=str))
            torch.save(self.model_.state_dict(), tmp / "weights.pt")
        return Path(directory)

    @classmethod
    def load(cls, directory: str | Path) -> Segmenter:
        """Rebuild a segmenter written by :meth:`save` (weights loaded with ``weights_only=True``)."""
        from hybrid.training import History

        directory = Path(directory)
        config_path, weights_path = directory / "config.json", directory / "weights.pt"
        for p in (config_path, weights_path):
            if not p.is_file():
                raise FileNotFoundError(f"{p} not found: not a saved Segmenter folder")
        try:
            config = json.loads(config_path.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{config_path} is not valid JSON: {exc}") from exc
        if config.get("format") != FORMAT:
            raise ValueError(f"{config_path} is not a TumorTrace segmenter (format {config.get('format')!r})")
        if int(config.get("version", 0)) > VERSION:
            raise ValueError(f"{config_path} has format version {config['version']}, newer than {VERSION}")
        seg = cls(**config["params"])
        fitted = config["fitted"]
        seg.in_channels_ = int(fitted["in_channels_"])
        seg.postprocess_ = dict(fitted["postprocess_"])
        seg.train_groups_ = np.asarray(fitted["train_groups_"], dtype=str)
        seg.val_groups_ = np.asarray(fitted["val_groups_"], dtype=str)
        seg.stopped_by_time_ = bool(fitted["stopped_by_time_"])
        scores = fitted.get("min_size_scores_")  # absent in files written before it existed
        seg.min_size_scores_ = None if scores is None else {int(k): float(v) for k, v in scores.items()}
        seg.history_ = History.from_dict(config["history"])
        model = seg._network(seg.in_channels_)
        try:
            state = torch.load(weights_path, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
        except Exception as exc:  # corrupt/truncated file or mismatched architecture
            raise ValueError(f"cannot load weights from {weights_path}: {exc}") from exc
        seg.model_ = model.eval()
        return seg
