"""Ahead-of-time compiled kernels (features._kernels.aot / build): dispatch rules, staleness,
bit-identical results against the Numba JIT, and a functional path that never imports Numba."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from features._kernels import aot

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def restore_backend():
    mode = os.environ.get("TUMORTRACE_KERNELS")
    yield
    if mode is None:
        os.environ.pop("TUMORTRACE_KERNELS", None)
    else:
        os.environ["TUMORTRACE_KERNELS"] = mode
    aot.reload()


def _built() -> bool:
    return (Path(aot.__file__).parent / f"{aot.MODULE_NAME}.json").is_file()


def _require_aot():
    info = aot.reload()
    if info["kernels"] != "aot":
        pytest.skip(f"AOT kernels unusable here ({info['reason']}); `make install` builds them")
    return info


# --- dispatch keys ------------------------------------------------------------------------


def test_arg_key_arrays():
    a = np.zeros((3, 4), dtype=np.uint8)
    assert aot.arg_key(a) == ("|u1", 2)
    assert aot.arg_key(np.zeros(5)) == ("<f8", 1) if sys.byteorder == "little" else (">f8", 1)
    assert aot.arg_key(np.asfortranarray(np.zeros((3, 4)))) is None  # layout F: JIT
    assert aot.arg_key(np.zeros((4, 6))[:, ::2]) is None  # strided view: JIT
    ro = np.zeros((3, 4))
    ro.flags.writeable = False
    assert aot.arg_key(ro) is None  # Numba types read-only arrays apart
    assert aot.arg_key(np.zeros(3, dtype=np.dtype("f8").newbyteorder())) is None
    assert aot.arg_key(np.zeros((1, 5))) == (np.dtype("f8").str, 2)  # C and F contiguous: C


@pytest.mark.parametrize(
    "value, key",
    [(True, "b1"), (np.bool_(False), "b1"), (3, "i8"), (np.int64(3), "i8"), (2**63, None),
     (np.int32(3), None), (1.5, "f8"), (np.float64(1.5), "f8"), (np.float32(1.5), None), ("x", None)],
)
def test_arg_key_scalars(value, key):
    assert aot.arg_key(value) == key


def test_dispatch_uses_the_table_only_for_matching_types(restore_backend):
    """A Kernel calls its AOT function for an exact key and the JIT dispatcher otherwise."""
    calls = []
    kernel = aot.Kernel("resize", "resize_area")
    src = np.arange(16, dtype=np.uint8).reshape(4, 4)
    key = (aot.arg_key(src), aot.arg_key(src), "b1")
    kernel._aot = {key: lambda *args: calls.append(args) or "aot"}
    assert kernel(src, np.empty((2, 2), np.uint8), True) == "aot"
    assert len(calls) == 1
    out = kernel(np.asfortranarray(src), np.empty((2, 2), np.uint8), True)  # F layout: JIT
    assert len(calls) == 1
    np.testing.assert_array_equal(out, [[2, 4], [10, 12]])  # rint of 2.5 (half to even), 4.5, 10.5, 12.5


def test_unknown_mode_and_module_are_errors(restore_backend):
    with pytest.raises(ValueError, match="TUMORTRACE_KERNELS"):
        aot.reload("fast")
    with pytest.raises(ValueError, match="unknown kernel module"):
        aot.kernels("nope")


def test_jit_mode_ignores_the_module(restore_backend):
    info = aot.reload("jit")
    assert info == {"kernels": "jit", "mode": "jit", "reason": "TUMORTRACE_KERNELS=jit", "n_signatures": 0}


def test_aot_mode_raises_when_unusable(restore_backend, tmp_path, monkeypatch):
    monkeypatch.setattr(aot, "_HERE", tmp_path)  # no manifest here
    aot.reload("aot")
    with pytest.raises(RuntimeError, match="not built"):
        aot.kernels("sobel").sobel_gradients(np.zeros((3, 3)))


# --- staleness ----------------------------------------------------------------------------


def _copy_sources(dst: Path) -> None:
    here = Path(aot.__file__).parent
    for name in aot.KERNEL_SOURCES:
        shutil.copy(here / f"{name}.py", dst / f"{name}.py")


def test_source_hash_follows_every_kernel_source(tmp_path, monkeypatch):
    _copy_sources(tmp_path)
    monkeypatch.setattr(aot, "_HERE", tmp_path)
    before = aot.source_hash()
    assert before == aot.source_hash()
    for name in aot.KERNEL_SOURCES:
        path = tmp_path / f"{name}.py"
        text = path.read_text()
        path.write_text(text + "\n# edit\n")
        assert aot.source_hash() != before, name
        path.write_text(text)
    assert aot.source_hash() == before


@pytest.mark.parametrize(
    "change, reason",
    [({"source_hash": "0" * 64}, "stale: the kernel sources changed"),
     ({"numpy": "0.0.1"}, "stale: built against NumPy 0.0.1"),
     ({"numba": "0.0.1"}, "stale: built with Numba 0.0.1")],
)
def test_a_stale_build_is_ignored(restore_backend, tmp_path, monkeypatch, change, reason):
    _copy_sources(tmp_path)
    monkeypatch.setattr(aot, "_HERE", tmp_path)
    manifest = {"source_hash": aot.source_hash(), "numpy": np.__version__,
                "numba": aot._installed_version("numba"), "exports": []}
    manifest.update(change)
    (tmp_path / f"{aot.MODULE_NAME}.json").write_text(json.dumps(manifest))
    info = aot.reload("auto")
    assert info["kernels"] == "jit"
    assert info["reason"].startswith(reason)


def test_a_corrupt_manifest_is_ignored(restore_backend, tmp_path, monkeypatch):
    monkeypatch.setattr(aot, "_HERE", tmp_path)
    (tmp_path / f"{aot.MODULE_NAME}.json").write_text("{not json")
    info = aot.reload("auto")
    assert info["kernels"] == "jit" and "unreadable manifest" in info["reason"]


def test_a_manifest_naming_missing_symbols_is_ignored(restore_backend, tmp_path, monkeypatch):
    """A manifest that passes the version checks but lists a symbol the module lacks: JIT, with why."""
    if not _built():
        pytest.skip("AOT kernels not built")
    here = Path(aot.__file__).parent
    _copy_sources(tmp_path)
    manifest = json.loads((here / f"{aot.MODULE_NAME}.json").read_text())
    manifest["exports"] = [{"kernel": "sobel.sobel_gradients", "symbol": "no_such_symbol", "key": [["|u1", 2]]}]
    (tmp_path / f"{aot.MODULE_NAME}.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(aot, "_HERE", tmp_path)  # sources copied: the hash matches; the module is the real one
    info = aot.reload("auto")
    if info["reason"].startswith("stale"):
        pytest.skip(info["reason"])
    assert info["kernels"] == "jit" and "malformed manifest" in info["reason"]


def test_an_existing_build_loads_unless_stale(restore_backend):
    """After `make install` the module must load; a stale build (kernels edited since) only skips."""
    if not _built():
        pytest.skip("AOT kernels not built (`tumortrace build-kernels`; needs a C compiler)")
    info = aot.reload()
    if info["reason"].startswith("stale"):
        pytest.skip(info["reason"])
    assert info["kernels"] == "aot", info["reason"]
    assert info["n_signatures"] >= 20


# --- same bits as the JIT, and every exported signature reachable --------------------------


def test_aot_and_jit_give_the_same_bits(restore_backend):
    from features._kernels.build import sample_workload

    _require_aot()
    with_aot = sample_workload(seed=3, shape=(61, 77))  # other shape and pixels than the build's
    aot.reload("jit")
    with_jit = sample_workload(seed=3, shape=(61, 77))
    assert len(with_aot) == len(with_jit)
    for i, (a, b) in enumerate(zip(with_aot, with_jit)):
        assert a.dtype == b.dtype and a.shape == b.shape, i
        np.testing.assert_array_equal(a, b, err_msg=f"output {i}")


def test_every_exported_signature_is_reached(restore_backend):
    """The keys the build derives from Numba's types are the keys calls produce at run time."""
    from features._kernels.build import sample_workload

    _require_aot()
    state = aot._backend()
    called = set()
    for kernel, table in state.table.items():
        for key, func in list(table.items()):
            def counted(*args, _f=func, _id=(kernel, key)):
                called.add(_id)
                return _f(*args)
            table[key] = counted
    from features import lbp, patterns

    lbp._lut.cache_clear()  # pattern_lut runs once per (P, method) otherwise
    patterns._mapping.cache_clear()
    sample_workload(seed=1)
    exported = {(k, key) for k, table in state.table.items() for key in table}
    assert exported - called == set()


def test_the_functional_path_does_not_import_numba():
    """With the AOT module, a fresh process computes the full vector without importing Numba
    (the cold-start figure of `tumortrace bench speed` depends on it)."""
    if aot.reload()["kernels"] != "aot":
        pytest.skip("AOT kernels not built or stale")
    code = (
        "import sys, numpy as np, features\n"
        "im = np.random.default_rng(0).integers(0, 256, (224, 224), dtype=np.uint8)\n"
        "v = features.handcrafted_vector(im)\n"
        "assert v.shape == (2596,) and np.isfinite(v).all()\n"
        "assert 'numba' not in sys.modules, sorted(m for m in sys.modules if m.startswith('numba'))[:5]\n"
    )
    env = dict(os.environ, TUMORTRACE_KERNELS="aot")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)


def test_cli_status_and_a_failed_build(monkeypatch, capsys, restore_backend):
    from features._kernels import build as build_module
    from hybrid.cli import main

    assert main(["build-kernels", "--status"]) == 0
    assert capsys.readouterr().out.startswith("kernels: ")

    def no_compiler(verbose=True):
        raise FileNotFoundError("gcc: not found")

    monkeypatch.setattr(build_module, "build", no_compiler)
    assert main(["build-kernels", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "FileNotFoundError: gcc: not found" in err and "Numba's JIT" in err
