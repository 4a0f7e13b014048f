"""Kernel dispatch: ahead-of-time compiled kernels when built, Numba JIT otherwise (private).

Every public extractor calls its kernels through :func:`kernels`, never through the Numba
dispatchers directly. A call goes to the ahead-of-time (AOT) compiled copy of the kernel when
one was built for exactly the argument types of the call, and to the Numba dispatcher
(``@njit(cache=True, nogil=True)``, compiled on first use and cached on disk) in every other
case. Both run the same Python source through the same Numba compiler, so they return the same
bits (pinned by ``tests/test_features_aot.py``).

Why: with a warm Numba cache a fresh interpreter still imports Numba (~0.4 s), loads its typing
and target registries (~0.4 s, including SciPy's BLAS) and relinks each cached kernel before the
first feature comes out. The AOT module is a plain CPython extension: importing it costs a few
milliseconds and does not import Numba at all. Build it with ``tumortrace build-kernels`` (or
``python -m features._kernels.build``; ``make install`` runs it). It is compiled for the host
CPU and written beside this file as ``_aot_kernels*.so`` with a manifest ``_aot_kernels.json``.

The manifest records a SHA-256 of the kernel sources and the NumPy and Numba versions it was
built with. When one no longer matches (the kernels were edited, NumPy or Numba was changed),
the module is ignored and every call takes the JIT path, so a stale build can never change a result;
:func:`backend` says which path is in use and why.

Dispatch rule (the types Numba would infer for the call): an argument matches an AOT signature
when it is an ``np.ndarray`` of the same dtype and number of dimensions, C-contiguous, aligned,
writeable and in native byte order; a ``bool``/``np.bool_``; a Python ``int`` in the int64 range
or an ``np.int64``; a ``float``/``np.float64``. Anything else (views with strides, read-only
arrays, other scalar types) goes to the JIT dispatcher. The exported functions release the GIL,
as the JIT kernels do (``nogil=True``), so threaded batch extraction stays parallel.

Set ``TUMORTRACE_KERNELS=jit`` to ignore the AOT module (``auto``, the default, uses it when it
is valid; ``aot`` raises at the first kernel call when it is not).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from pathlib import Path

import numpy as np

__all__ = ["kernels", "backend", "reload", "KERNEL_SOURCES", "source_hash", "MODULE_NAME"]

#: Name of the compiled extension module (built by :mod:`features._kernels.build`).
MODULE_NAME = "_aot_kernels"
#: Kernel modules, under ``features._kernels``; their sources (and :mod:`constants`) are hashed.
KERNEL_SOURCES = ("constants", "glcm", "hog", "lbp", "patterns", "resize", "sobel")
_HERE = Path(__file__).resolve().parent
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_MODES = ("auto", "jit", "aot")


def source_hash() -> str:
    """SHA-256 of the kernel sources (:data:`KERNEL_SOURCES`, in order)."""
    digest = hashlib.sha256()
    for name in KERNEL_SOURCES:
        digest.update(name.encode())
        digest.update((_HERE / f"{name}.py").read_bytes())
    return digest.hexdigest()


def _installed_version(dist: str) -> str | None:
    """Version of an installed distribution from its metadata (does not import it)."""
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def arg_key(value):
    """Dispatch key of one argument (see the module docstring), or None if no AOT copy can take it."""
    kind = type(value)
    if kind is np.ndarray:
        flags = value.flags
        if flags.c_contiguous and flags.aligned and flags.writeable and value.dtype.isnative:
            return (value.dtype.str, value.ndim)
        return None
    if kind is bool or kind is np.bool_:
        return "b1"
    if kind is int:
        return "i8" if _INT64_MIN <= value <= _INT64_MAX else None
    if kind is np.int64:
        return "i8"
    if kind is float or kind is np.float64:
        return "f8"
    return None


class _Backend:
    """The AOT module (when valid) and the table ``(kernel, key) -> compiled function``."""

    def __init__(self):
        self.mode = os.environ.get("TUMORTRACE_KERNELS", "auto").strip().lower() or "auto"
        self.table: dict[str, dict[tuple, object]] = {}
        self.reason = ""
        if self.mode not in _MODES:
            raise ValueError(f"TUMORTRACE_KERNELS must be one of {_MODES}, got {self.mode!r}")
        if self.mode == "jit":
            self.reason = "TUMORTRACE_KERNELS=jit"
            return
        self._load()

    def _load(self) -> None:
        manifest_path = _HERE / f"{MODULE_NAME}.json"
        if not manifest_path.is_file():
            self.reason = "not built (run `tumortrace build-kernels`)"
            return
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError) as exc:
            self.reason = f"unreadable manifest {manifest_path}: {exc}"
            return
        if manifest.get("source_hash") != source_hash():
            self.reason = "stale: the kernel sources changed since the build (run `tumortrace build-kernels`)"
            return
        if manifest.get("numpy") != np.__version__:
            self.reason = (f"stale: built against NumPy {manifest.get('numpy')}, running {np.__version__} "
                           "(run `tumortrace build-kernels`)")
            return
        numba_now = _installed_version("numba")
        if manifest.get("numba") != numba_now:
            self.reason = (f"stale: built with Numba {manifest.get('numba')}, Numba {numba_now} installed "
                           "(run `tumortrace build-kernels`)")
            return
        try:
            module = importlib.import_module(f"{__package__}.{MODULE_NAME}")
        except ImportError as exc:
            self.reason = f"cannot import the compiled module: {exc}"
            return
        try:
            table: dict[str, dict[tuple, object]] = {}
            for entry in manifest["exports"]:
                key = tuple(tuple(k) if isinstance(k, list) else k for k in entry["key"])
                table.setdefault(entry["kernel"], {})[key] = getattr(module, entry["symbol"])
        except (KeyError, TypeError, AttributeError) as exc:
            self.reason = f"malformed manifest {manifest_path} ({type(exc).__name__}: {exc})"
            return
        self.table = table
        self.reason = f"{len(manifest['exports'])} signatures compiled for {manifest.get('cpu', '?')}"

    def info(self) -> dict:
        return {"kernels": "aot" if self.table else "jit", "mode": self.mode, "reason": self.reason,
                "n_signatures": sum(len(v) for v in self.table.values())}


_BACKEND: _Backend | None = None


_KERNELS: list[Kernel] = []  # every Kernel made, so that reload() can clear their tables


def _backend() -> _Backend:
    global _BACKEND
    if _BACKEND is None:
        _BACKEND = _Backend()
    return _BACKEND


def reload(mode: str | None = None) -> dict:
    """Read the manifest again (after a build, or to switch ``mode``: ``"auto"``, ``"jit"``,
    ``"aot"``; None keeps ``TUMORTRACE_KERNELS``) and return :func:`backend`."""
    global _BACKEND
    if mode is not None:
        os.environ["TUMORTRACE_KERNELS"] = mode
    _BACKEND = None
    for kernel in _KERNELS:
        kernel._aot = None
    return backend()


def backend() -> dict:
    """Which kernels run: ``{"kernels": "aot" | "jit", "mode", "reason", "n_signatures"}``."""
    return _backend().info()


class Kernel:
    """One kernel: calls its AOT copy for matching argument types, else its Numba dispatcher."""

    __slots__ = ("module", "name", "_jit", "_aot")

    def __init__(self, module: str, name: str):
        self.module = module
        self.name = name
        self._jit = None
        self._aot = None
        _KERNELS.append(self)

    @property
    def jit(self):
        """The Numba dispatcher (imports Numba and the kernel module on first use)."""
        if self._jit is None:
            self._jit = getattr(importlib.import_module(f"{__package__}.{self.module}"), self.name)
        return self._jit

    def aot(self, *args):
        """The AOT function for these arguments, or None."""
        if self._aot is None:
            state = _backend()
            if state.mode == "aot" and not state.table:
                raise RuntimeError(f"TUMORTRACE_KERNELS=aot but the AOT kernels are unusable: {state.reason}")
            self._aot = state.table.get(f"{self.module}.{self.name}", {})
        if not self._aot:
            return None
        return self._aot.get(tuple(map(arg_key, args)))

    def __call__(self, *args):
        func = self.aot(*args)
        if func is not None:
            return func(*args)
        return self.jit(*args)

    def __repr__(self) -> str:
        return f"<kernel {self.module}.{self.name}>"


class KernelSet:
    """Attribute access to the kernels of one module: ``kernels("glcm").glcm_counts(...)``."""

    def __init__(self, module: str):
        if module not in KERNEL_SOURCES or module == "constants":
            raise ValueError(f"unknown kernel module {module!r}")
        self._module = module

    def __getattr__(self, name: str) -> Kernel:
        if name.startswith("__"):
            raise AttributeError(name)
        kernel = Kernel(self._module, name)
        setattr(self, name, kernel)
        return kernel


def kernels(module: str) -> KernelSet:
    """The kernels of ``features._kernels.<module>``, dispatched as described above."""
    return KernelSet(module)
