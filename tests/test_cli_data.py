"""`tumortrace data check` / `data synth` through hybrid.cli.main (and once through the console script)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from hybrid.cli import main

KEYS = {"layout", "n_images", "classes", "n_masks", "n_groups", "n_duplicate_groups", "unreadable"}


def test_synth_then_check_json(tmp_path, capsys):
    out = tmp_path / "syn"
    assert main(["data", "synth", str(out), "--n", "10", "--size", "48", "--seed", "3", "--difficulty", "0.2"]) == 0
    assert "wrote 10 phantoms" in capsys.readouterr().out
    assert main(["data", "check", str(out), "--json", "--no-progress"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == KEYS
    assert report["layout"] == "folder" and report["classes"] == {"benign": 5, "malignant": 5}
    assert report["n_images"] == 10 and report["n_masks"] == 10 and report["unreadable"] == []


def test_check_lists_every_bad_file_and_goes_on(tmp_path, capsys):
    out = tmp_path / "syn"
    main(["data", "synth", str(out), "--n", "8", "--size", "40"])
    capsys.readouterr()
    (out / "benign" / "benign_0002.png").write_text("not an image")
    trunc = out / "malignant" / "malignant_0003.png"
    trunc.write_bytes(trunc.read_bytes()[:50])
    assert main(["data", "check", str(out), "--json", "--no-progress"]) == 1
    report = json.loads(capsys.readouterr().out)
    bad = sorted(b["path"].rsplit("/", 1)[1] for b in report["unreadable"])
    assert bad == ["benign_0002.png", "malignant_0003.png"]
    assert report["n_images"] == 6
    assert main(["data", "check", str(out), "--no-progress"]) == 1
    text = capsys.readouterr().out
    assert "unreadable files: 2" in text and "benign_0002.png: not a recognised image file" in text


def test_check_bad_path_and_layout(tmp_path, capsys):
    assert main(["data", "check", str(tmp_path / "missing"), "--no-progress"]) == 2
    assert "missing" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["data", "check", str(tmp_path / "empty"), "--no-progress"]) == 2
    assert "empty" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["data", "check", str(tmp_path), "--layout", "voc"])


def test_synth_bad_argument(tmp_path, capsys):
    assert main(["data", "synth", str(tmp_path / "x"), "--n", "4", "--difficulty", "2"]) == 2
    assert "difficulty" in capsys.readouterr().err


def test_console_script(tmp_path):
    exe = shutil.which("tumortrace") or str(__import__("pathlib").Path(sys.executable).with_name("tumortrace"))
    out = tmp_path / "s"
    subprocess.run([exe, "data", "synth", str(out), "--n", "4", "--size", "40"], check=True, capture_output=True)
    res = subprocess.run([exe, "data", "check", str(out), "--json", "--no-progress"], capture_output=True, text=True)
    assert res.returncode == 0 and json.loads(res.stdout)["n_images"] == 4


@pytest.mark.realdata
@pytest.mark.slow
def test_check_real_lgg_subset(lgg_dir, tmp_path, capsys):
    sub = tmp_path / "lgg2"
    sub.mkdir()
    for p in sorted(q for q in lgg_dir.iterdir() if q.is_dir())[:2]:
        (sub / p.name).symlink_to(p, target_is_directory=True)
    assert main(["data", "check", str(sub), "--json", "--no-progress"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == KEYS | {"n_positive"} and report["layout"] == "lgg" and report["n_groups"] == 2
    assert report["n_positive"] == report["classes"]["tumor"] > 0
