"""Every script in examples/ runs end to end with its ``--quick`` flag (tiny settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


@pytest.mark.slow  # each script starts a fresh interpreter (torch import) and trains tiny models
@pytest.mark.parametrize(
    "script",
    SCRIPTS or [pytest.param(None, marks=pytest.mark.skip(reason="no scripts in examples/"))],
    ids=[s.name for s in SCRIPTS] or ["none"],
)
def test_example_runs_quick(script, tmp_path):
    source = script.read_text()
    assert source.lstrip().startswith(('"""', "'''", "#!")), f"{script.name}: start with a docstring"
    assert "--quick" in source, f"{script.name}: must accept a --quick flag for tests"
    data = Path(os.environ.get("TUMORTRACE_DATA", EXAMPLES.parents[1] / "shared" / "data")).resolve()
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "2", "TUMORTRACE_DATA": str(data)}
    # run from an empty folder so that outputs never land in the repo
    proc = subprocess.run([sys.executable, str(script), "--quick"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
