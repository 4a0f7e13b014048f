"""One training loop for classifiers and segmenters.

The :class:`Trainer` owns what every supervised run shares — optimizer and learning-rate
schedule, epochs, early stopping, best/last checkpoints, resume, seeding, progress bars and
the per-epoch :class:`~hybrid.training.history.History`. What differs between a classifier
and a segmenter lives in a *task* object with two methods:

``loss(model, batch) -> scalar tensor``
    Called in training mode for every training batch (already moved to the device).
``evaluate(model, loader) -> dict[str, float]``
    Called once per epoch in eval mode under ``torch.no_grad()``; ``loader`` yields the
    validation batches on the device. Returned keys become history columns prefixed with
    ``val_`` (so ``{"loss": .., "roc_auc": ..}`` gives ``val_loss``, ``val_roc_auc``); the
    monitored column (``TrainConfig.monitor``) must be among them.

Recipes (``optimizer`` / ``schedule``):

* ``"sgd"`` + ``"step"`` — SGD with momentum and weight decay, learning rate multiplied by
  ``gamma`` every ``step_size`` epochs: the fine-tuning recipe of the PyTorch transfer
  learning tutorial, used by the seed project.
* ``"adamw"`` + ``"cosine"`` — AdamW (Loshchilov & Hutter 2019, decoupled weight decay,
  https://arxiv.org/abs/1711.05101) with cosine annealing over ``epochs`` (SGDR without
  restarts, Loshchilov & Hutter 2017, https://arxiv.org/abs/1608.03983).

Any optimizer can be combined with any schedule. The schedule steps once per epoch.

Reproducibility and resume. A fresh run seeds Python, NumPy and torch with ``seed``. The
training DataLoader shuffles with its own ``torch.Generator`` seeded from ``(seed, epoch)``,
so the order of epoch *e* does not depend on what ran before. At the end of every epoch
``last.pt`` stores model, optimizer, scheduler, history, early-stopping state and the RNG
states of Python/NumPy/torch; ``resume=True`` continues from it. A run killed in the middle
of epoch *e* therefore restarts epoch *e* from exactly the state an uninterrupted run had,
and ends with identical weights and history (single-process CPU arithmetic is
deterministic; ``num_workers > 0`` seeds each worker from the loader generator).

Early stopping. After each epoch the monitored value is compared with the best so far; it
improves only when strictly better by more than ``min_delta`` (ties keep the earlier epoch;
NaN never improves). After ``patience`` epochs without improvement training stops
(``patience=None``: never). Whatever happens, the best epoch's weights are restored into
the model at the end (from ``best.pt``, or from memory when ``checkpoint_dir`` is None).

Time budget. With ``max_minutes``, training stops at the end of the first epoch after which
the elapsed time of this :meth:`Trainer.fit` call plus the longest epoch so far (the estimate
of the next epoch) would exceed the budget (strictly: ``elapsed + longest > 60 * max_minutes``);
the check is skipped after the last epoch and when early stopping already stopped the run.
Time is read from ``Trainer(clock=...)`` (default :func:`time.monotonic`). The stop is not
recorded in ``last.pt``, so ``resume=True`` continues such a run (with a fresh budget).

Why a run ended is :attr:`History.stopped_by`: ``"epochs"``, ``"early_stopping"`` or
``"time_budget"``.
"""

from __future__ import annotations

import copy
import json
import math
import random
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from features._validation import check_choice, check_positive_int
from hybrid.training.atomic import atomic_path
from hybrid.training.checkpoint import load_checkpoint, rng_state, save_checkpoint, seed_everything, set_rng_state
from hybrid.training.history import History

__all__ = ["TrainConfig", "Trainer", "Task", "Callback", "move_to_device", "epoch_generator"]

CHECKPOINT_FORMAT = "tumortrace-train-checkpoint"
CHECKPOINT_VERSION = 1
# Settings that must match between a checkpoint and the config resuming from it.
_RESUME_KEYS = ("optimizer", "schedule", "lr", "momentum", "weight_decay", "step_size", "gamma", "batch_size",
                "seed", "monitor", "monitor_mode", "fingerprint")


#: The trainer's clock when ``Trainer(clock=None)`` (looked up when the trainer is created).
default_clock: Callable[[], float] = time.monotonic


@runtime_checkable
class Task(Protocol):
    """What the trainer needs from a classification or segmentation task."""

    def loss(self, model: nn.Module, batch: Any) -> torch.Tensor: ...

    def evaluate(self, model: nn.Module, loader: Iterable[Any]) -> dict[str, float]: ...


class Callback:
    """Hooks called by :class:`Trainer`; subclass and override what you need (all no-ops here).

    ``epoch`` is 1-based, ``batch_index`` 0-based. An exception raised from a hook propagates
    out of :meth:`Trainer.fit` (that is how tests simulate a killed run).
    """

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        pass

    def on_batch_end(self, trainer: Trainer, epoch: int, batch_index: int, loss: float) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, epoch: int, row: dict[str, float]) -> None:
        pass


@dataclass
class TrainConfig:
    """Settings of one training run (see the module docstring for the recipes).

    Parameters
    ----------
    epochs : int
        Maximum number of epochs.
    batch_size : int
        Training batch size. A final batch holding a single sample is dropped (BatchNorm
        cannot normalise one sample in training mode).
    optimizer : {"sgd", "adamw"}
    lr, momentum, weight_decay : float
        ``momentum`` is used by SGD only.
    schedule : {"step", "cosine", "none"}
    step_size, gamma : int, float
        Step schedule: ``lr *= gamma`` every ``step_size`` epochs.
    patience : int or None
        Epochs without improvement before stopping; None disables early stopping.
    monitor : str
        History column to monitor, e.g. ``"val_loss"``, ``"val_roc_auc"``, ``"val_dice"``, or
        ``"train_loss"`` when there is no validation set.
    monitor_mode : {"min", "max"}
    min_delta : float
        Minimum strict improvement of the monitored value.
    seed : int
    checkpoint_dir : path or None
        Folder for ``last.pt``, ``best.pt``, ``history.csv`` (rewritten every epoch),
        ``history.png`` (drawn when training ends) and ``train_config.json``. None keeps
        the best weights in memory and writes nothing.
    resume : bool or path
        True: continue from ``checkpoint_dir/last.pt`` when it exists (start fresh otherwise);
        a path: continue from that file (must exist).
    progress : bool
        tqdm progress bar per epoch.
    device : str
    num_workers : int
        DataLoader worker processes (0 = load in the main process).
    eval_batch_size : int or None
        Validation batch size (default: ``batch_size``).
    grad_clip : float or None
        Clip the global gradient norm to this value.
    max_minutes : float or None
        Time budget of one :meth:`Trainer.fit` call in minutes (module docstring); None = no limit.
    fingerprint : str or None
        Identifies the data and model of the run (e.g. a hash computed by the caller);
        ``resume`` refuses a checkpoint whose fingerprint differs, so a shared
        ``checkpoint_dir`` never continues another run's training.
    """

    epochs: int = 10
    batch_size: int = 16
    optimizer: str = "sgd"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 1e-4
    schedule: str = "step"
    step_size: int = 7
    gamma: float = 0.1
    patience: int | None = None
    monitor: str = "val_loss"
    monitor_mode: str = "min"
    min_delta: float = 0.0
    seed: int = 0
    checkpoint_dir: str | Path | None = None
    resume: bool | str | Path = False
    progress: bool = False
    device: str = "cpu"
    num_workers: int = 0
    eval_batch_size: int | None = None
    grad_clip: float | None = None
    max_minutes: float | None = None
    fingerprint: str | None = None

    def __post_init__(self) -> None:
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.batch_size, "batch_size")
        check_choice(self.optimizer, "optimizer", ("sgd", "adamw"))
        check_choice(self.schedule, "schedule", ("step", "cosine", "none"))
        check_positive_int(self.step_size, "step_size")
        check_choice(self.monitor_mode, "monitor_mode", ("min", "max"))
        check_positive_int(self.num_workers, "num_workers", minimum=0)
        check_positive_int(self.seed, "seed", minimum=0)
        for name in ("lr", "momentum", "weight_decay", "gamma", "min_delta"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")
        if self.patience is not None:
            check_positive_int(self.patience, "patience")
        if self.eval_batch_size is not None:
            check_positive_int(self.eval_batch_size, "eval_batch_size")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValueError(f"grad_clip must be > 0 or None, got {self.grad_clip!r}")
        if self.max_minutes is not None and (isinstance(self.max_minutes, bool) or not isinstance(
                self.max_minutes, (int, float)) or not math.isfinite(self.max_minutes) or self.max_minutes <= 0):
            raise ValueError(f"max_minutes must be a finite number > 0 or None, got {self.max_minutes!r}")
        if not isinstance(self.monitor, str) or not self.monitor:
            raise ValueError(f"monitor must be a history column name, got {self.monitor!r}")
        if self.resume is True and self.checkpoint_dir is None:
            raise ValueError("resume=True needs checkpoint_dir (the folder holding last.pt)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (paths as strings)."""
        out = asdict(self)
        for key in ("checkpoint_dir", "resume"):
            if isinstance(out[key], Path):
                out[key] = str(out[key])
        return out


def move_to_device(batch: Any, device: torch.device | str) -> Any:
    """Move every tensor inside nested dicts/lists/tuples to ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: move_to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(move_to_device(v, device) for v in batch)
    return batch


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """The shuffling generator of one epoch: a function of ``(seed, epoch)`` only."""
    state = np.random.SeedSequence([seed, epoch]).generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


class _DeviceLoader:
    """Iterate a DataLoader yielding batches already on ``device``."""

    def __init__(self, loader: DataLoader, device: torch.device) -> None:
        self.loader, self.device = loader, device

    def __iter__(self) -> Iterator[Any]:
        for batch in self.loader:
            yield move_to_device(batch, self.device)

    def __len__(self) -> int:
        return len(self.loader)


def _seed_worker(worker_id: int) -> None:  # pragma: no cover - runs in worker processes
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def _batch_len(batch: Any) -> int:
    if isinstance(batch, torch.Tensor):
        return len(batch)
    if isinstance(batch, dict):
        batch = list(batch.values())
    if isinstance(batch, (list, tuple)):
        for item in batch:
            n = _batch_len(item)
            if n:
                return n
    return 0


class Trainer:
    """Train a model on a task (see the module docstring).

    Parameters
    ----------
    config : TrainConfig
    callbacks : sequence of Callback, optional
    clock : callable, optional
        Seconds from an arbitrary origin, for the time budget (default :data:`default_clock`,
        i.e. :func:`time.monotonic`; tests pass a fake clock).

    Attributes
    ----------
    history : History
        Filled by :meth:`fit`.
    epoch : int
        Number of finished epochs (updated during :meth:`fit`).

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> class Regression:
    ...     def loss(self, model, batch):
    ...         x, y = batch
    ...         return torch.nn.functional.mse_loss(model(x), y)
    ...     def evaluate(self, model, loader):
    ...         return {"loss": sum(self.loss(model, b).item() for b in loader) / len(loader)}
    >>> x = torch.linspace(-1, 1, 32).unsqueeze(1)
    >>> data = TensorDataset(x, 3 * x)
    >>> history = Trainer(TrainConfig(epochs=3, batch_size=8, lr=0.1)).fit(torch.nn.Linear(1, 1), data, data,
    ...                                                                      Regression())
    >>> len(history), history.columns
    (3, ['epoch', 'lr', 'train_loss', 'val_loss'])
    """

    def __init__(self, config: TrainConfig | None = None, callbacks: Sequence[Callback] = (),
                 clock: Callable[[], float] | None = None) -> None:
        self.config = config if config is not None else TrainConfig()
        if not isinstance(self.config, TrainConfig):
            raise TypeError(f"config must be a TrainConfig, got {type(self.config).__name__}")
        self.callbacks = list(callbacks)
        self.clock = clock if clock is not None else default_clock
        self.history = History(monitor=self.config.monitor)
        self.epoch = 0

    # -- building blocks -------------------------------------------------------------------
    def _optimizer(self, params: list[nn.Parameter]) -> torch.optim.Optimizer:
        cfg = self.config
        if cfg.optimizer == "sgd":
            return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)

    def _scheduler(self, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
        cfg = self.config
        if cfg.schedule == "step":
            return torch.optim.lr_scheduler.StepLR(optimizer, step_size=cfg.step_size, gamma=cfg.gamma)
        if cfg.schedule == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.epochs)
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _epoch: 1.0)

    def _train_loader(self, dataset: Dataset, epoch: int) -> DataLoader:
        cfg = self.config
        n = len(dataset)
        return DataLoader(dataset, batch_size=cfg.batch_size, shuffle=True,
                          generator=epoch_generator(cfg.seed, epoch), num_workers=cfg.num_workers,
                          worker_init_fn=_seed_worker, drop_last=n > cfg.batch_size and n % cfg.batch_size == 1)

    def _val_loader(self, dataset: Dataset) -> DataLoader:
        cfg = self.config
        return DataLoader(dataset, batch_size=cfg.eval_batch_size or cfg.batch_size, shuffle=False,
                          num_workers=cfg.num_workers, worker_init_fn=_seed_worker)

    @property
    def checkpoint_dir(self) -> Path | None:
        return None if self.config.checkpoint_dir is None else Path(self.config.checkpoint_dir)

    def _resume_path(self) -> Path | None:
        resume = self.config.resume
        if resume is False or resume is None:
            return None
        if resume is True:
            path = self.checkpoint_dir / "last.pt"
            return path if path.is_file() else None
        path = Path(resume)
        if not path.is_file():
            raise FileNotFoundError(f"resume checkpoint not found: {path}")
        return path

    def _check_resumable(self, ckpt: Any, path: Path) -> None:
        if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"{path} is not a TumorTrace training checkpoint")
        if ckpt.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"{path}: unsupported checkpoint version {ckpt.get('version')!r}")
        saved, now = ckpt["config"], self.config.to_dict()
        keys = _RESUME_KEYS + (("epochs",) if self.config.schedule == "cosine" else ())
        diff = [f"{k}: checkpoint {saved.get(k)!r} vs config {now[k]!r}" for k in keys if saved.get(k) != now[k]]
        if diff:
            raise ValueError(f"cannot resume from {path}; settings differ: " + "; ".join(diff))

    def _improved(self, value: float, best: float | None) -> bool:
        if value is None or math.isnan(value):
            return False
        if best is None:
            return True
        if self.config.monitor_mode == "max":
            return value > best + self.config.min_delta
        return value < best - self.config.min_delta

    # -- the loop --------------------------------------------------------------------------
    def fit(self, model: nn.Module, train_dataset: Dataset, val_dataset: Dataset | None, task: Task) -> History:
        """Train ``model`` in place and return the :class:`History`; the best weights are loaded at the end."""
        cfg = self.config
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if not (callable(getattr(task, "loss", None)) and callable(getattr(task, "evaluate", None))):
            raise TypeError(f"task must provide loss(model, batch) and evaluate(model, loader); got {task!r}")
        if len(train_dataset) == 0:
            raise ValueError("train_dataset is empty")
        if val_dataset is None and cfg.monitor != "train_loss":
            raise ValueError(f"monitor={cfg.monitor!r} needs a val_dataset; use monitor='train_loss' without one")
        if val_dataset is not None and len(val_dataset) == 0:
            raise ValueError("val_dataset is empty; pass None to train without validation")
        device = torch.device(cfg.device)
        model.to(device)
        params = [p for p in model.parameters() if p.requires_grad]
        if not params:
            raise ValueError("model has no trainable parameters (all requires_grad=False)")
        optimizer = self._optimizer(params)
        scheduler = self._scheduler(optimizer)
        folder = self.checkpoint_dir
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

        best_value: float | None = None
        bad_epochs = 0
        best_state: dict[str, torch.Tensor] | None = None
        self.history = History(monitor=cfg.monitor)
        self.epoch = 0
        resume_path = self._resume_path()
        if resume_path is not None:
            ckpt = load_checkpoint(resume_path, map_location=device)
            self._check_resumable(ckpt, resume_path)
            model.load_state_dict(ckpt["model"])
            optimizer.load_state_dict(ckpt["optimizer"])
            scheduler.load_state_dict(ckpt["scheduler"])
            self.history = History.from_dict(ckpt["history"])
            self.epoch = int(ckpt["epoch"])
            best_value, bad_epochs = ckpt["best_value"], int(ckpt["bad_epochs"])
            set_rng_state(ckpt["rng"])
        else:
            seed_everything(cfg.seed)
        if folder is not None:
            with atomic_path(folder / "train_config.json") as tmp:
                tmp.write_text(json.dumps({"config": cfg.to_dict(), "versions": _versions()}, indent=2))

        val_loader = None if val_dataset is None else _DeviceLoader(self._val_loader(val_dataset), device)
        started, longest = self.clock(), 0.0
        while self.epoch < cfg.epochs and self.history.stopped_by is None:
            epoch = self.epoch + 1
            epoch_started = self.clock()
            for cb in self.callbacks:
                cb.on_epoch_start(self, epoch)
            lr = optimizer.param_groups[0]["lr"]
            train_loss = self._train_epoch(model, train_dataset, task, optimizer, device, epoch)
            scheduler.step()
            row: dict[str, float] = {"epoch": epoch, "lr": lr, "train_loss": train_loss}
            if val_loader is not None:
                model.eval()
                with torch.no_grad():
                    metrics = task.evaluate(model, val_loader)
                row.update({f"val_{k}": float(v) for k, v in metrics.items()})
            if cfg.monitor not in row:
                raise KeyError(f"monitor {cfg.monitor!r} not among the epoch's columns {sorted(row)}")
            self.history.append(row)
            self.epoch = epoch
            value = row[cfg.monitor]
            if self._improved(value, best_value):
                best_value, bad_epochs = float(value), 0
                self.history.best_epoch = epoch
                if folder is not None:
                    save_checkpoint({"model": model.state_dict(), "epoch": epoch, "value": best_value},
                                    folder / "best.pt")
                else:
                    best_state = copy.deepcopy(model.state_dict())
            else:
                bad_epochs += 1
            if cfg.patience is not None and bad_epochs >= cfg.patience:
                self.history.stopped_by = "early_stopping"
            if folder is not None:
                save_checkpoint({
                    "format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "epoch": epoch,
                    "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "history": self.history.to_dict(),
                    "best_value": best_value, "bad_epochs": bad_epochs, "rng": rng_state(),
                    "config": cfg.to_dict(),
                }, folder / "last.pt")
            if folder is not None:
                self.history.to_csv(folder / "history.csv")
            now = self.clock()
            longest = max(longest, now - epoch_started)
            if (cfg.max_minutes is not None and self.history.stopped_by is None and epoch < cfg.epochs
                    and now - started + longest > 60.0 * cfg.max_minutes):
                self.history.stopped_by = "time_budget"  # after last.pt: resume=True continues the run
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch, row)
        if self.history.stopped_by is None:
            self.history.stopped_by = "epochs"

        self._restore_best(model, best_state, device)
        if folder is not None:
            self.history.plot(folder / "history.png")
        model.eval()
        return self.history

    def _train_epoch(self, model: nn.Module, dataset: Dataset, task: Task, optimizer: torch.optim.Optimizer,
                     device: torch.device, epoch: int) -> float:
        cfg = self.config
        model.train()
        total, count = 0.0, 0
        loader = self._train_loader(dataset, epoch)
        bar = tqdm(loader, desc=f"epoch {epoch}/{cfg.epochs}", disable=not cfg.progress, leave=False)
        for index, batch in enumerate(bar):
            batch = move_to_device(batch, device)
            optimizer.zero_grad(set_to_none=True)
            loss = task.loss(model, batch)
            if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
                raise TypeError(f"task.loss must return a scalar tensor, got {loss!r}")
            if not torch.isfinite(loss):
                raise FloatingPointError(f"non-finite training loss {loss.item()} at epoch {epoch}, batch {index}")
            loss.backward()
            if cfg.grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            n = _batch_len(batch) or 1
            value = loss.item()
            total += value * n
            count += n
            bar.set_postfix(loss=f"{value:.4f}")
            for cb in self.callbacks:
                cb.on_batch_end(self, epoch, index, value)
        bar.close()
        return total / count

    def _restore_best(self, model: nn.Module, best_state: dict | None, device: torch.device) -> None:
        if self.history.best_epoch is None:
            warnings.warn(f"monitor {self.config.monitor!r} never had a finite value; keeping the last weights",
                          RuntimeWarning, stacklevel=3)
            return
        folder = self.checkpoint_dir
        if folder is not None:
            best_state = load_checkpoint(folder / "best.pt", map_location=device)["model"]
        if best_state is not None:
            model.load_state_dict(best_state)


def _versions() -> dict[str, str]:
    import platform

    import hybrid

    return {"tumortrace": hybrid.__version__, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version()}
