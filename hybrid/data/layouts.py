"""Folder layouts: find the images, labels, masks and groups of a data set on disk.

Layouts
-------
``folder``
    ``ROOT/<class>/<name>.<ext>``, one sub-folder per class (at least two). Masks are siblings
    whose stem is ``<name>_mask`` followed by anything (``<name>_mask.png``, ``<name>_mask_1.png``);
    an image's lesion mask is the OR of all of them. Group = ``<class>/<name>``.
``busi``
    The BUSI release [1]_: ``ROOT/{benign,malignant,normal}/"<class> (N).png"`` plus
    ``"<class> (N)_mask.png"`` / ``_mask_1`` / ``_mask_2``. Read exactly like ``folder``; detected
    from the ``<class> (N)`` names. Images sorted numerically by ``N``.
``lgg``
    The kaggle_3m LGG release [2]_: ``ROOT/<patient>/<patient>_<n>.tif`` with
    ``<patient>_<n>_mask.tif``; slices sorted numerically by ``n``; the three channels (pre-contrast,
    FLAIR, post-contrast) are kept as channels. Group = patient folder. The label is
    ``"tumor"`` when the mask has any non-zero pixel, else ``"no_tumor"`` (filled in by
    :func:`hybrid.data.dataset.load_dataset`, which reads every mask).
``csv``
    A manifest file with a header row and columns ``path,label[,mask][,group]``. Paths are
    relative to the CSV's folder (absolute paths are kept); ``mask`` may list several files
    separated by ``;``; an empty ``group`` defaults to the path without extension.

Only files with an image extension (:data:`hybrid.data.readers.IMAGE_EXTENSIONS`) are considered in
class folders; hidden files are ignored. Whether a file *is* an image is decided later from its
content.

References
----------
.. [1] Al-Dhabyani W et al. Dataset of breast ultrasound images. Data in Brief 28 (2020) 104863.
   doi:10.1016/j.dib.2019.104863
.. [2] Buda M, Saha A, Mazurowski MA. Association of genomic subtypes of lower-grade gliomas with
   shape features automatically extracted by a deep learning algorithm. Comput. Biol. Med. 109
   (2019) 218-225. doi:10.1016/j.compbiomed.2019.05.002
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from hybrid.data.readers import IMAGE_EXTENSIONS
from hybrid.data.records import DataError, Record

__all__ = ["LAYOUTS", "LGG_CLASSES", "Scan", "detect_layout", "scan_layout", "natural_key"]

LAYOUTS = ("folder", "busi", "lgg", "csv")
LGG_CLASSES = ["no_tumor", "tumor"]
_BUSI_CLASSES = {"benign", "malignant", "normal"}
_BUSI_NAME = re.compile(r"^(?P<cls>[a-z]+) \((?P<n>\d+)\)$")
_LGG_SLICE = re.compile(r"^(?P<patient>.+)_(?P<n>\d+)(?P<mask>_mask)?\.tiff?$", re.IGNORECASE)
_MASK_TAG = "_mask"


@dataclass
class Scan:
    """What a layout found: records, classes, the problems met (``[(path, message), ...]``) and
    whether the groups are patient ids given by the data (LGG folders, a CSV ``group`` column)."""

    root: Path
    layout: str
    classes: list
    records: list
    problems: list = field(default_factory=list)
    patient_groups: bool = False


def natural_key(text: str) -> list:
    """Sort key that orders embedded numbers numerically (``"a (2)" < "a (10)"``).

    >>> sorted(["s_10", "s_2", "s_1"], key=natural_key)
    ['s_1', 's_2', 's_10']
    """
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text)]


def _stem(path: Path) -> str:
    name = path.name
    return name[: -len(".nii.gz")] if name.lower().endswith(".nii.gz") else path.stem


def _is_image_name(path: Path) -> bool:
    name = path.name.lower()
    return not name.startswith(".") and any(name.endswith(ext) for ext in IMAGE_EXTENSIONS)


def _subdirs(root: Path) -> list:
    dirs = (p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return sorted(dirs, key=lambda p: natural_key(p.name))


def _require_dir(path: Path) -> Path:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if not path.is_dir():
        raise NotADirectoryError(f"{path}: not a folder")
    return path


def detect_layout(path) -> str:
    """Guess the layout of ``path``: a ``.csv`` file -> ``csv``; a folder with ``<p>/<p>_<n>_mask.tif``
    files -> ``lgg``; class folders named benign/malignant/normal holding ``"<class> (N)"`` images
    -> ``busi``; any other folder of class sub-folders -> ``folder``."""
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() == ".csv":
            return "csv"
        raise DataError(f"{path}: a single file can only be a CSV manifest (*.csv)")
    subdirs = _subdirs(_require_dir(path))
    for sub in subdirs:
        if any(_LGG_SLICE.match(f.name) and _LGG_SLICE.match(f.name)["mask"] for f in sub.iterdir()):
            return "lgg"
    if subdirs and {d.name for d in subdirs} <= _BUSI_CLASSES:
        names = [_BUSI_NAME.match(_stem(f)) for d in subdirs for f in d.iterdir() if _is_image_name(f)]
        if any(m and m["cls"] in _BUSI_CLASSES for m in names):
            return "busi"
    if any(_is_image_name(f) for d in subdirs for f in d.iterdir()):
        return "folder"
    raise DataError(
        f"{path}: cannot detect the layout (no class sub-folders with images, no LGG patient folders, "
        "not a CSV file); pass layout= explicitly or check the path"
    )


def _scan_folder(root: Path, layout: str) -> Scan:
    _require_dir(root)
    records, problems, classes = [], [], []
    for cls_dir in _subdirs(root):
        files = [f for f in cls_dir.iterdir() if f.is_file() and _is_image_name(f)]
        images, masks = {}, {}
        for f in files:
            stem = _stem(f)
            base, tag, _ = stem.rpartition(_MASK_TAG)
            if tag:
                masks.setdefault(base, []).append(f)
            else:
                images[stem] = f
        if not images:
            continue
        classes.append(cls_dir.name)
        for base in sorted(set(masks) - set(images)):
            for m in masks[base]:
                problems.append((m, f"{m}: mask without an image (expected {base}.<ext> beside it)"))
        for stem in sorted(images, key=natural_key):
            mask_paths = tuple(sorted(masks.get(stem, ()), key=lambda p: natural_key(p.name)))
            records.append(Record(images[stem], cls_dir.name, mask_paths, f"{cls_dir.name}/{stem}"))
    if not records:
        raise DataError(f"{root}: no image files found in class sub-folders (empty data set)")
    if len(classes) < 2:
        raise DataError(
            f"{root}: found only one class folder with images ({classes[0]!r}); a classification data set "
            "needs at least two class sub-folders"
        )
    return Scan(root, layout, classes, records, problems)


def _scan_lgg(root: Path) -> Scan:
    _require_dir(root)
    records, problems = [], []
    for patient in _subdirs(root):
        slices, masks = {}, {}
        for f in patient.iterdir():
            m = _LGG_SLICE.match(f.name)
            if m and f.is_file():
                (masks if m["mask"] else slices)[int(m["n"])] = f
        for n in sorted(set(masks) - set(slices)):
            problems.append((masks[n], f"{masks[n]}: mask without its slice image"))
        for n in sorted(slices):
            if n not in masks:
                problems.append((slices[n], f"{slices[n]}: slice without its mask (*_mask.tif)"))
                continue
            records.append(Record(slices[n], None, (masks[n],), patient.name))
    if not records:
        raise DataError(f"{root}: no LGG slices (<patient>/<patient>_<n>.tif with _mask.tif) found")
    return Scan(root, "lgg", list(LGG_CLASSES), records, problems, patient_groups=True)


def _scan_csv(path: Path) -> Scan:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise DataError(f"{path}: the csv layout needs a manifest file, not a folder")
    base = path.parent
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: not a readable CSV manifest ({exc})") from exc
    if not rows:
        raise DataError(f"{path}: manifest has no data rows")
    missing = {"path", "label"} - set(header)
    if missing:
        raise DataError(f"{path}: manifest lacks column(s) {sorted(missing)}; expected path,label[,mask][,group]")
    records, problems = [], []
    for line, raw in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not row["path"]:
            problems.append((path, f"{path}: line {line} has an empty path"))
            continue
        img = base / row["path"]
        masks = tuple(base / m.strip() for m in row.get("mask", "").split(";") if m.strip())
        missing_files = [p for p in (img, *masks) if not p.is_file()]
        if missing_files:
            problems.append((missing_files[0], f"{missing_files[0]}: file not found (line {line} of {path})"))
            continue
        group = row.get("group") or str(Path(row["path"]).with_suffix(""))
        records.append(Record(img, row["label"] or None, masks, group))
    classes = sorted({r.label for r in records if r.label is not None})
    if len(classes) < 2 and records:
        raise DataError(f"{path}: manifest has {len(classes)} distinct label(s) {classes}; need at least two classes")
    return Scan(path, "csv", classes, records, problems, patient_groups="group" in header)


def scan_layout(path, layout: str = "auto") -> Scan:
    """List the records of the data set at ``path`` without reading any pixel.

    Raises ``FileNotFoundError`` for a missing path, :class:`DataError` for an empty data set, an
    unknown layout or a labelled data set with fewer than two classes.
    """
    path = Path(path)
    if layout == "auto":
        layout = detect_layout(path)
    if layout not in LAYOUTS:
        raise DataError(f"unknown layout {layout!r}; expected 'auto' or one of {list(LAYOUTS)}")
    if layout == "csv":
        return _scan_csv(path)
    if layout == "lgg":
        return _scan_lgg(path)
    return _scan_folder(path, layout)
