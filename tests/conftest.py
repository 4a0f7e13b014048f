"""Shared fixtures: where the real datasets are, and a skip with a reason when they are not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TUMORTRACE_DATA", REPO.parent / "shared" / "data")).resolve()
BUSI = DATA / "busi" / "Dataset_BUSI_with_GT"
LGG = DATA / "lgg" / "kaggle_3m"


def _need(path: Path) -> Path:
    if not path.is_dir():
        pytest.skip(f"real dataset not found at {path} (set TUMORTRACE_DATA to the folder holding busi/ and lgg/)")
    return path


@pytest.fixture(scope="session")
def busi_dir() -> Path:
    """BUSI root (``Dataset_BUSI_with_GT``); skips when absent."""
    return _need(BUSI)


@pytest.fixture(scope="session")
def lgg_dir() -> Path:
    """LGG ``kaggle_3m`` root; skips when absent."""
    return _need(LGG)


@pytest.fixture(scope="session")
def busi_image(busi_dir):
    """One real BUSI image as uint8 (H, W)."""
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(busi_dir / "benign" / "benign (1).png").convert("L"))


@pytest.fixture(scope="session")
def lgg_slice(lgg_dir):
    """One real LGG slice with tumor, as uint8 (256, 256, 3), and its mask."""
    import numpy as np
    import tifffile

    for patient in sorted(lgg_dir.iterdir()):
        if not patient.is_dir():
            continue
        for mask_path in sorted(patient.glob("*_mask.tif")):
            mask = tifffile.imread(mask_path)
            if mask.any():
                image = tifffile.imread(str(mask_path).replace("_mask.tif", ".tif"))
                return np.asarray(image), mask > 0
    pytest.skip("no tumor slice found in the LGG folder")


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Run all torch code in the tests on one thread.

    The tests use tiny nets, where a thread pool costs more than it gains, and on a 2-core
    machine running pytest-xdist workers, two torch threads per worker only contend.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
