"""`tumortrace bench` command line: parsing, help, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hybrid.cli import build_parser, main


def test_parse_all_options():
    args = build_parser().parse_args(
        ["bench", "busi", "--data", "d", "--layout", "busi", "--out", "o", "--quick", "--seed", "3",
         "--config", "c.json"]
    )
    assert (args.suite, args.data, args.layout, args.out, args.quick, args.seed, args.config) == (
        "busi", "d", "busi", "o", True, 3, "c.json")
    assert callable(args.func)


def test_parse_defaults_and_bad_layout(capsys):
    args = build_parser().parse_args(["bench", "quick"])
    assert (args.data, args.layout, args.out, args.quick, args.seed, args.config) == (None,) * 3 + (False, None, None)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "quick", "--layout", "zip"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["bench"], "name a SUITE"),
        (["bench", "nosuch"], "unknown suite 'nosuch'"),
        (["bench", "custom"], "pass --data PATH"),
        (["bench", "speed", "--data", "x"], "no --data"),
    ],
)
def test_errors_are_clear(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_bad_config_file_names_key(tmp_path, capsys):
    cfg = tmp_path / "mine.json"
    cfg.write_text(json.dumps({"name": "mine", "task": "classification", "dataset": {"source": "synthetic"},
                               "families": {"deep": {"classifiers": ["forest"]}}}))
    assert main(["bench", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 2
    assert "families.deep.classifiers" in capsys.readouterr().err


def test_bench_end_to_end_then_resume(tmp_path, capsys):
    cfg = tmp_path / "tiny.json"
    cfg.write_text(json.dumps({
        "name": "tiny-cli", "task": "classification",
        "dataset": {"source": "synthetic", "n": 12, "size": 32},
        "split": {"n_splits": 2},
        "families": {"handcrafted": {"classifiers": ["logreg"],
                                     "params": {"handcrafted": {"image_size": 32, "extractors": ["hog", "lbp"]}}}},
    }))
    out = tmp_path / "out"
    assert main(["bench", "--config", str(cfg), "--out", str(out), "--no-progress"]) == 0
    first = capsys.readouterr().out
    assert "2 folds computed, 0 from cache" in first and "whole/handcrafted/logreg" in first
    assert (out / "report.html").is_file() and (out / "results.csv").is_file()
    assert main(["bench", "--config", str(cfg), "--out", str(out), "--no-progress"]) == 0
    assert "0 folds computed, 2 from cache" in capsys.readouterr().out


def _write_folder_dataset(root, n_per_class=6):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label, offset in (("benign", 40), ("malignant", 120)):
        (root / label).mkdir(parents=True)
        for i in range(n_per_class):
            image = np.clip(rng.normal(offset, 30, (32, 32)), 0, 255).astype(np.uint8)
            Image.fromarray(image).save(root / label / f"{label}_{i}.png")
            mask = np.zeros((32, 32), np.uint8)
            mask[8:24, 8:24] = 255
            Image.fromarray(mask).save(root / label / f"{label}_{i}_mask.png")


def test_no_progress_silences_every_bar(tmp_path, capfd):
    """--no-progress hides the data loader's bars and the models' own bars (suite asks for them)."""
    data = tmp_path / "data"
    _write_folder_dataset(data)
    cfg = tmp_path / "tiny.json"
    cfg.write_text(json.dumps({
        "name": "tiny-quiet", "task": "classification",
        "dataset": {"source": "path", "path": str(data), "layout": "folder"},
        "split": {"n_splits": 2},
        "families": {"handcrafted": {"classifiers": ["logreg"], "params": {
            "handcrafted": {"image_size": 32, "extractors": ["hog", "lbp"], "progress": True}}}},
    }))
    argv = ["bench", "--config", str(cfg), "--out", str(tmp_path / "out")]
    assert main([*argv, "--no-progress"]) == 0
    quiet = capfd.readouterr()
    assert "from cache" in quiet.out
    for stream in (quiet.out, quiet.err):
        assert "it/s" not in stream and "%|" not in stream and "img/s" not in stream, stream[-2000:]
    assert main([*argv, "--out", str(tmp_path / "loud")]) == 0  # the same run with bars does show them
    assert "checking folder images" in capfd.readouterr().err
