"""Atomic writes: a reader never sees a half-written checkpoint, CSV, plot or model folder.

Both helpers write into a temporary sibling of the target (same directory, hence same
file system) and move it into place with :func:`os.replace` only once the write succeeded.
On failure the temporary file/folder is removed and the exception propagates; an existing
target is left untouched.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> with atomic_path(target) as tmp:
...     _ = tmp.write_text("done")
>>> target.read_text()
'done'
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "atomic_directory"]


def _umask_mode(base: int) -> int:
    """``base`` (0o666 files, 0o777 folders) less the process umask, as ``open``/``mkdir`` would give.

    ``mkstemp``/``mkdtemp`` create owner-only (0600/0700) entries; outputs such as reports
    and saved models should have the permissions a plain write would have given them.
    """
    mask = os.umask(0)
    os.umask(mask)
    return base & ~mask


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file path next to ``path``; ``os.replace`` it onto ``path`` on success.

    The temporary name keeps the target's suffix, so writers that infer the format from the
    extension (``matplotlib.savefig``, ``pandas``) behave as for the real name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:  # flush to disk before the rename makes it visible
            os.fsync(fh.fileno())
        os.chmod(tmp_path, _umask_mode(0o666))
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary directory next to ``path``; move it onto ``path`` on success.

    A directory cannot be renamed over a non-empty one, so an existing ``path`` is first
    renamed aside, the new folder renamed in, and the old one deleted. A reader therefore
    sees either the complete old folder or the complete new one (for an instant, neither);
    a failed write leaves the old folder as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a directory")
    tmp_path = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp_path
    except BaseException:
        shutil.rmtree(tmp_path, ignore_errors=True)
        raise
    os.chmod(tmp_path, _umask_mode(0o777))
    old = None
    if path.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
        os.replace(path, old / "content")
    try:
        os.replace(tmp_path, path)
    except BaseException:
        if old is not None:
            os.replace(old / "content", path)
        shutil.rmtree(tmp_path, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
