"""The speed benchmark runs end to end and writes the documented schema (no timing asserts)."""

from __future__ import annotations

import json

import pytest

from benchmarks.speed import format_markdown, run_speed

OP_KEYS = {"op", "size", "ours_ms", "peer", "peer_ms", "speedup", "ours_cpu_ms", "peer_cpu_ms", "speedup_cpu"}


@pytest.mark.slow
def test_run_speed_schema(tmp_path, capsys):
    result = run_speed(tmp_path, sizes=(32,), repeats=1, busi_image=False, batch_size=4, cold_repeats=1,
                       warm_cold_cache=False, verbose=False)
    on_disk = json.loads((tmp_path / "speed.json").read_text())
    assert on_disk == json.loads(json.dumps(result))
    assert {"ops", "full_vector_ms", "full_vector_cpu_ms", "batch_images_per_s", "cold_start_s", "cold_start_cpu_s",
            "cold_start_jit_s", "cold_start_jit_cpu_s", "cold_start_transformer_s", "cold_start_transformer_cpu_s",
            "kernels", "versions", "machine", "date"} <= set(on_disk)
    assert on_disk["kernels"]["kernels"] in ("aot", "jit")
    ops = on_disk["ops"]
    names = {r["op"] for r in ops}
    assert {"hog", "hog_2x2", "lbp", "glcm", "glcm_matrix", "haralick", "sobel"} <= names
    for row in ops:
        assert set(row) == OP_KEYS
        assert row["size"] == 32 and row["ours_ms"] > 0
        if row["peer"] is None:
            assert row["peer_ms"] is None and row["speedup"] is None
            assert row["peer_cpu_ms"] is None and row["speedup_cpu"] is None
        else:
            assert row["peer_ms"] > 0 and row["speedup"] == pytest.approx(row["peer_ms"] / row["ours_ms"], rel=0.05)
            assert row["peer_cpu_ms"] >= 0 and row["speedup_cpu"] is not None
    assert on_disk["full_vector_ms"] > 0 and on_disk["batch_images_per_s"] > 0 and on_disk["cold_start_s"] > 0
    assert on_disk["full_vector_cpu_ms"] > 0 and on_disk["cold_start_cpu_s"] > 0
    assert on_disk["cold_start_transformer_s"] > 0 and on_disk["cold_start_transformer_cpu_s"] > 0
    assert on_disk["versions"]["numba"] and on_disk["machine"]["cpu_count"]
    md = (tmp_path / "speed.md").read_text()
    assert md == format_markdown(result)
    assert md.startswith("| op | size |") and md.count("\n|") >= len(ops) + 1
    assert not list(tmp_path.glob("*.tmp"))  # atomic writes left no temp file
