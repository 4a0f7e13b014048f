"""``tumortrace segment train`` / ``predict`` smoke test on a tiny synthetic LGG-like folder."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile
import torch
from PIL import Image

from hybrid.cli import main
from hybrid.data.synthetic import make_phantoms


@pytest.fixture
def lgg_like(tmp_path):
    """4 patients x 3 slices of 32x32x3 uint8 in the kaggle_3m layout (first slice of each tumor-free)."""
    ph = make_phantoms(12, size=32, seed=0, modality="mri")
    root = tmp_path / "kaggle_3m"
    for p in range(4):
        name = f"TCGA_XX_{p:04d}_20000101"
        folder = root / name
        folder.mkdir(parents=True)
        for s in range(3):
            i = 3 * p + s
            mask = ph.masks[i] if s else np.zeros_like(ph.masks[i])
            tifffile.imwrite(folder / f"{name}_{s + 1}.tif", np.stack([ph.images[i]] * 3, axis=-1))
            tifffile.imwrite(folder / f"{name}_{s + 1}_mask.tif", mask.astype(np.uint8) * 255)
    return root


def test_train_then_predict(lgg_like, tmp_path, capsys):
    before = torch.get_num_threads()
    out = tmp_path / "run"
    try:
        code = main(["segment", "train", "--data", str(lgg_like), "--layout", "lgg", "--out", str(out),
                     "--epochs", "2", "--image-size", "32", "--base-channels", "4", "--depth", "2",
                     "--test-groups", "1", "--val-fraction", "0.34", "--batch-size", "4", "--threads", "1",
                     "--n-overlays", "2", "--augmentation", "none"])
        assert code == 0
        metrics = json.loads((out / "metrics.json").read_text())
        for key in ("mean_patient_dice", "mean_dice_tumor_slices", "fp_slice_rate", "dice_per_patient",
                    "per_slice", "split", "training"):
            assert key in metrics
        assert len(metrics["split"]["test_groups"]) == 1 and len(metrics["per_slice"]) == 3
        assert set(metrics["split"]["test_groups"]).isdisjoint(metrics["split"]["train_groups"])
        assert set(metrics["split"]["val_groups"]).isdisjoint(metrics["split"]["train_groups"])
        assert metrics["training"]["epochs_run"] == 2
        assert (out / "checkpoints" / "history.csv").is_file() and (out / "checkpoints" / "history.png").is_file()
        assert len(list((out / "overlays").glob("*.png"))) == 4  # 2 best + 2 worst tumor slices
        assert "mean per-patient Dice" in capsys.readouterr().out

        slices = sorted(lgg_like.glob("*/*_2.tif"))[:2]
        pred_dir = tmp_path / "pred"
        code = main(["segment", "predict", "--model", str(out / "model"), *map(str, slices), "--out", str(pred_dir),
                     "--threads", "1"])
        assert code == 0
        for s in slices:
            with Image.open(pred_dir / f"{s.stem}_mask.png") as im:
                mask = np.asarray(im)
            assert mask.shape == (32, 32) and set(np.unique(mask)) <= {0, 255}
            assert (pred_dir / f"{s.stem}_overlay.png").is_file()
    finally:
        torch.set_num_threads(before)


def test_errors(lgg_like, tmp_path, capsys):
    assert main(["segment", "predict", "--model", str(tmp_path / "missing"), str(tmp_path / "x.tif"),
                 "--out", str(tmp_path / "o"), "--threads", "1"]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["segment", "train", "--data", str(lgg_like), "--layout", "lgg", "--out", str(tmp_path / "r"),
                 "--test-groups", "4", "--threads", "1"]) == 2
    assert "--test-groups" in capsys.readouterr().err


def test_example_script_quick(lgg_like, tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "lgg_segmentation.py"
    spec = importlib.util.spec_from_file_location("lgg_segmentation_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = torch.get_num_threads()
    try:
        summary = module.main(["--data", str(lgg_like), "--out", str(tmp_path / "ex"), "--quick"])
    finally:
        torch.set_num_threads(before)
    assert summary["epochs"] == 1 and summary["n_groups"] == 2
    assert (tmp_path / "ex" / "summary.json").is_file() and (tmp_path / "ex" / "model" / "weights.pt").is_file()


def test_summary_line_words_follow_the_layout():
    from hybrid.cli.segment import _summary_line

    report = {"n_groups": 3, "n_tumor_free_groups": 0, "mean_patient_dice": 0.5, "mean_dice_tumor_slices": 0.25,
              "fp_slice_rate": float("nan")}
    busi = _summary_line(report, "busi")
    assert busi.startswith("test: mean per-group Dice 0.5000 over 3 groups")
    assert "false-positive image rate n/a (no tumor-free images)" in busi and "nan" not in busi
    lgg = _summary_line({**report, "n_tumor_free_groups": 1, "fp_slice_rate": 0.125}, "lgg")
    assert "mean per-patient Dice 0.5000 over 2 patients" in lgg and "false-positive slice rate 0.1250" in lgg
