"""One data set entry: an image file, its label, its mask files and its split group."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Record", "DataError"]


class DataError(ValueError):
    """A data set (folder, manifest or file) breaks the layout rules; the message names the path."""


@dataclass(frozen=True)
class Record:
    """``path`` (image file), ``label`` (class name, or None when unknown), ``mask_paths`` (zero or
    more mask files whose union is the lesion mask) and ``group`` (split group id)."""

    path: Path
    label: str | None
    mask_paths: tuple = ()
    group: str = ""
