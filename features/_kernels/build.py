"""Build the ahead-of-time compiled kernels (``tumortrace build-kernels``; see :mod:`.aot`).

Steps:

1. run a sample workload through the public extractors with the JIT kernels
   (``TUMORTRACE_KERNELS=jit``): the full default vector and each extractor's defaults on
   ``uint8``, ``uint16``, ``float32`` and ``float64`` images, with and without a ROI mask; every
   signature that Numba compiles (or loads from its cache) on the way is recorded;
2. export each signature called from Python whose argument types :func:`.aot.arg_key` can describe
   (arrays, booleans, int64, float64) with Numba's ``pycc``, for the host CPU, with the GIL
   released around the call (as ``nogil=True`` does for the JIT kernels);
3. write ``_aot_kernels*.so`` and the manifest ``_aot_kernels.json`` (source hash, NumPy
   version, CPU, the exported signatures) beside the kernels, each atomically, manifest last.

It needs a C compiler; without one the build fails with the compiler's message and the
package keeps using the JIT kernels.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import aot

__all__ = ["build", "sample_workload", "main"]


def sample_workload(seed: int = 0, shape: tuple[int, int] = (72, 80)) -> list[np.ndarray]:
    """Call the public extractors on the inputs the AOT module should cover (see module doc);
    return every output, in call order (the AOT-vs-JIT parity test compares them)."""
    from .. import glcm, hog, lbp, patterns, sobel
    from ..vector import handcrafted_vector

    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, shape)
    images = [base.astype(np.uint8), (base * 257).astype(np.uint16),
              (base / 255.0).astype(np.float32), base / 255.0]
    mask = np.zeros(base.shape, dtype=bool)
    mask[shape[0] // 8 : shape[0] * 7 // 8, shape[1] // 8 : shape[1] * 7 // 8] = True
    out = []
    for image in images:
        out.append(handcrafted_vector(image))  # resampled to 128 px first: the union's defaults
        out.append(hog.hog(image))
        for roi in (None, mask):
            out.append(lbp.lbp_histogram(image, 8, 1, "uniform", mask=roi))
            out.append(patterns.mvm_lbp_histogram(image, mask=roi))
            out.append(patterns.mvmbp_histogram(image, mask=roi))
            out.append(glcm.glcm_features(image, mask=roi))
        out.append(sobel.sobel_features(image))
        out.extend(sobel.sobel(image))
    u8 = images[0]
    for method in lbp.METHODS:
        out.append(lbp.local_binary_pattern(u8, 8, 1, method))
    angles = [0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]
    for normed in (True, False):
        P = glcm.graycomatrix(u8, [1, 2], angles, levels=256, symmetric=True, normed=normed)
        out.append(P)
        out.append(glcm.graycoprops(P, "correlation"))
    out.append(glcm.haralick(u8))
    out.append(patterns.mvm_lbp(u8))
    out.append(patterns.mvmbp(u8))
    return out


def _recorded_calls(workload) -> set:
    """``{(kernel, key)}`` of the calls made through :class:`.aot.Kernel` by ``workload()``."""
    calls = set()
    original = aot.Kernel.__call__

    def recording(self, *args):
        calls.add((f"{self.module}.{self.name}", tuple(aot.arg_key(a) for a in args)))
        return original(self, *args)

    aot.Kernel.__call__ = recording
    try:
        workload()
    finally:
        aot.Kernel.__call__ = original
    return calls


def _exports(calls: set):
    """``[(kernel, symbol, signature, key)]`` of the dispatcher signatures that ``calls`` used
    (kernels called from other kernels are compiled into their callers, not exported)."""
    import importlib

    from numba.core import types
    from numba.core.registry import CPUDispatcher
    from numba.np.numpy_support import as_dtype

    def key_of(t):
        if isinstance(t, types.Array):
            if t.layout != "C" or not t.mutable or not t.aligned:
                return None
            return [np.dtype(as_dtype(t.dtype)).str, t.ndim]
        if isinstance(t, types.Boolean):
            return "b1"
        if t == types.int64:
            return "i8"
        if t == types.float64:
            return "f8"
        return None

    out, skipped = [], []
    for module_name in aot.KERNEL_SOURCES:
        module = importlib.import_module(f"{__package__}.{module_name}")
        for name, obj in sorted(vars(module).items()):
            if not isinstance(obj, CPUDispatcher) or name.startswith("_") or obj.__module__ != module.__name__:
                continue
            for i, (args, cres) in enumerate(sorted(obj.overloads.items(), key=lambda kv: str(kv[0]))):
                key = [key_of(t) for t in args]
                if any(k is None for k in key):
                    skipped.append(f"{module_name}.{name}{args}")
                    continue
                if (f"{module_name}.{name}", tuple(tuple(k) if isinstance(k, list) else k for k in key)) not in calls:
                    continue  # compiled as a callee of another kernel only
                out.append((f"{module_name}.{name}", f"{module_name}__{name}__{i}", cres.signature, key))
    return out, skipped


@contextlib.contextmanager
def _like_the_jit():
    """Make pycc compile as the JIT does: release the GIL in the CPython wrappers (pycc's
    ``Flags`` never set ``release_gil``) and target the host CPU's feature set (pycc passes
    only the CPU name, whose default features may differ from what the JIT sees)."""
    from numba.core import codegen
    from numba.pycc import compiler

    original_flags = compiler.Flags
    original_features = codegen.AOTCPUCodegen._customize_tm_features

    class Flags(original_flags):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.release_gil = True

    compiler.Flags = Flags
    codegen.AOTCPUCodegen._customize_tm_features = codegen.CPUCodegen._get_host_cpu_features
    try:
        yield
    finally:
        compiler.Flags = original_flags
        codegen.AOTCPUCodegen._customize_tm_features = original_features


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def build(out_dir=None, verbose: bool = True) -> dict:
    """Compile the AOT kernels into ``out_dir`` (default: the kernels' package folder, the
    only place :mod:`.aot` loads them from; another folder is for inspecting a build).

    Returns the manifest that was written. Run it in a fresh interpreter (``main`` does), so
    that the recorded signatures are those of :func:`sample_workload` only; the process is
    left with ``TUMORTRACE_KERNELS=jit``.
    """
    import warnings

    import llvmlite.binding as llvm

    aot.reload("jit")
    out_dir = Path(out_dir) if out_dir is not None else Path(aot.__file__).resolve().parent
    out_dir.mkdir(parents=True, exist_ok=True)
    digest = aot.source_hash()  # before the workload: the sources compiled are these ones
    t0 = time.perf_counter()
    calls = _recorded_calls(sample_workload)
    exports, skipped = _exports(calls)
    if verbose:
        print(f"recorded {len(exports)} kernel signatures ({len(skipped)} not exportable) in "
              f"{time.perf_counter() - t0:.1f} s; compiling...", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc is pending deprecation in Numba; it works in 0.68
        from numba.pycc import CC

        from numba.core.codegen import CPUCodegen

        cpu = llvm.get_host_cpu_name()
        features = CPUCodegen._get_host_cpu_features(None)
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".aot-build-") as tmp:
            cc = CC(aot.MODULE_NAME)
            cc.output_dir = tmp
            cc.target_cpu = cpu
            cc.verbose = False
            for kernel, symbol, signature, _key in exports:
                module_name, name = kernel.split(".")
                py_func = getattr(sys.modules[f"{__package__}.{module_name}"], name).py_func
                cc.export(symbol, signature)(py_func)
            with _like_the_jit():
                cc.compile()
            (built,) = Path(tmp).glob(f"{aot.MODULE_NAME}*")
            target = out_dir / built.name
            for old in out_dir.glob(f"{aot.MODULE_NAME}*.so"):
                if old.name != built.name:
                    old.unlink()
            tmp_target = out_dir / f".{built.name}.tmp"
            shutil.move(str(built), tmp_target)
            os.replace(tmp_target, target)
    manifest = {
        "module": aot.MODULE_NAME,
        "file": target.name,
        "source_hash": digest,
        "numpy": np.__version__,
        "numba": aot._installed_version("numba"),  # what the loader compares
        "python": sys.version.split()[0],
        "cpu": cpu,
        "cpu_features": features,
        "built": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "exports": [{"kernel": k, "symbol": s, "signature": str(sig), "key": key} for k, s, sig, key in exports],
        "not_exported": skipped,
    }
    _write_atomic(out_dir / f"{aot.MODULE_NAME}.json", (json.dumps(manifest, indent=1) + "\n").encode())
    if verbose:
        print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, {len(exports)} signatures, "
              f"{cpu}) in {time.perf_counter() - t0:.1f} s", flush=True)
    return manifest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tumortrace build-kernels", description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    build(verbose=not args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
