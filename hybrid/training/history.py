"""Per-epoch training history: one row per epoch, saved as CSV and plotted to PNG.

A row holds ``epoch`` (1-based), ``lr`` (learning rate used during that epoch),
``train_loss`` (mean of the batch losses, weighted by batch size) and every metric the
task's ``evaluate`` returned, prefixed with ``val_`` (``val_loss``, ``val_accuracy``,
``val_roc_auc``, ``val_dice`` …).
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any

from hybrid.training.atomic import atomic_path

__all__ = ["History", "STOP_REASONS"]

#: Why a finished run stopped: it ran all its epochs, early stopping ended it (``patience``
#: epochs without improvement), or its time budget (``TrainConfig.max_minutes``) did.
STOP_REASONS = ("epochs", "early_stopping", "time_budget")


class History:
    """Rows of per-epoch numbers plus the best epoch chosen by early stopping.

    Attributes
    ----------
    rows : list of dict
        One dict per finished epoch, in order.
    monitor : str or None
        Column used to choose the best epoch.
    best_epoch : int or None
        1-based epoch whose weights the trainer restored at the end.
    stopped_by : {"epochs", "early_stopping", "time_budget"} or None
        Why training stopped (:data:`STOP_REASONS`); None while a run is unfinished (e.g. the
        history inside ``last.pt`` of a run still going).
    stopped_early : bool
        Read-only: ``stopped_by == "early_stopping"`` (the monitored value stopped improving).
    """

    def __init__(self, rows: list[dict[str, float]] | None = None, monitor: str | None = None,
                 best_epoch: int | None = None, stopped_by: str | None = None) -> None:
        if stopped_by is not None and stopped_by not in STOP_REASONS:
            raise ValueError(f"stopped_by must be one of {list(STOP_REASONS)} or None, got {stopped_by!r}")
        self.rows = [dict(r) for r in (rows or [])]
        self.monitor = monitor
        self.best_epoch = best_epoch
        self.stopped_by = stopped_by

    @property
    def stopped_early(self) -> bool:
        """True when early stopping ended the run."""
        return self.stopped_by == "early_stopping"

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return (f"History(epochs={len(self.rows)}, monitor={self.monitor!r}, best_epoch={self.best_epoch}, "
                f"stopped_by={self.stopped_by!r})")

    def __eq__(self, other: object) -> bool:
        """Same rows (NaN equals NaN), monitor, best epoch and stop reason."""
        if not isinstance(other, History):
            return NotImplemented

        def comparable(history: History) -> dict[str, Any]:
            data = history.to_dict()
            data["rows"] = [{k: None if math.isnan(v) else v for k, v in r.items()} for r in data["rows"]]
            return data

        return comparable(self) == comparable(other)

    def append(self, row: dict[str, Any]) -> None:
        self.rows.append({k: float(v) for k, v in row.items()})

    @property
    def columns(self) -> list[str]:
        """Column names in first-seen order."""
        cols: list[str] = []
        for row in self.rows:
            cols.extend(k for k in row if k not in cols)
        return cols

    def column(self, name: str) -> list[float]:
        """Values of one column (NaN where an epoch lacks it)."""
        return [row.get(name, math.nan) for row in self.rows]

    @property
    def best(self) -> dict[str, float] | None:
        """The row of :attr:`best_epoch` (None before the first epoch)."""
        if self.best_epoch is None:
            return None
        return self.rows[self.best_epoch - 1]

    # -- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain containers only, so it can travel inside a ``weights_only`` checkpoint.

        ``stopped_early`` is written too (derived from ``stopped_by``) for readers of the JSON.
        """
        return {"rows": [dict(r) for r in self.rows], "monitor": self.monitor, "best_epoch": self.best_epoch,
                "stopped_by": self.stopped_by, "stopped_early": self.stopped_early}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """Inverse of :meth:`to_dict`; dicts written before ``stopped_by`` existed map
        ``stopped_early=True`` to ``"early_stopping"``."""
        stopped_by = data.get("stopped_by")
        if stopped_by is None and data.get("stopped_early"):
            stopped_by = "early_stopping"
        return cls(data["rows"], data.get("monitor"), data.get("best_epoch"), stopped_by)

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Write the rows as CSV (atomically); missing values are written as empty cells."""
        path = Path(path)
        cols = self.columns
        with atomic_path(path) as tmp:
            with open(tmp, "w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=cols, restval="")
                writer.writeheader()
                for row in self.rows:
                    writer.writerow({k: repr(v) for k, v in row.items()})
        return path

    @classmethod
    def from_csv(cls, path: str | os.PathLike) -> History:
        """Read the rows of a CSV written by :meth:`to_csv` (best epoch and flags are not in the CSV)."""
        with open(path, newline="") as fh:
            rows = [{k: float(v) for k, v in r.items() if v != ""} for r in csv.DictReader(fh)]
        return cls(rows)

    def plot(self, path: str | os.PathLike) -> Path:
        """Plot losses (left) and the other validation metrics (right) to a PNG (Agg backend, atomic)."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure

        path = Path(path)
        epochs = self.column("epoch")
        cols = [c for c in self.columns if c not in ("epoch", "lr")]
        losses = [c for c in cols if c.endswith("loss")]
        others = [c for c in cols if c not in losses]
        fig = Figure(figsize=(10, 4), dpi=100)
        axes = fig.subplots(1, 2)
        for ax, names, title in ((axes[0], losses, "loss"), (axes[1], others, "validation metrics")):
            for name in names:
                ax.plot(epochs, self.column(name), marker="o", label=name)
            if self.best_epoch is not None:
                ax.axvline(self.best_epoch, color="grey", linestyle="--", linewidth=1, label="best epoch")
            ax.set_xlabel("epoch")
            ax.set_title(title)
            if names:
                ax.legend(fontsize=8)
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png")
        return path
