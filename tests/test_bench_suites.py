"""benchmarks.suites: built-in suites are valid; bad configs fail naming the key."""

from __future__ import annotations

import json
import re

import pytest

from benchmarks.suites import SuiteError, builtin_suite_names, load_suite, merge, resolve_suite, validate_suite

MINIMAL = {
    "name": "mine",
    "task": "classification",
    "dataset": {"source": "synthetic", "n": 20, "size": 32},
    "families": {"handcrafted": {"classifiers": ["svm"]}},
}


def test_builtin_suites_listed_and_valid():
    names = builtin_suite_names()
    for required in ("quick", "busi", "lgg-cls", "lgg-modality", "lgg-seg", "speed"):
        assert required in names
    for name in names:
        cfg = load_suite(name)
        validate_suite(cfg)
        assert cfg["name"] == name
        if "quick" in cfg:  # the quick overrides keep the suite valid
            validate_suite(merge({k: v for k, v in cfg.items() if k != "quick"}, cfg["quick"]))


@pytest.mark.parametrize(
    "patch, key",
    [
        ({"colour": 1}, "colour"),
        ({"task": "regression"}, "task"),
        ({"dataset": {"source": "synthetic", "sizee": 3}}, "dataset.sizee"),
        ({"dataset": {"source": "synthetic", "size": "big"}}, "dataset.size"),
        ({"dataset": {"source": "path", "path": "x", "n": 3}}, "dataset.n"),
        ({"dataset": {"source": "path", "path": "x", "layout": "zip"}}, "dataset.layout"),
        ({"dataset": {"source": "path", "path": "x", "classes": ["a"]}}, "dataset.classes"),
        ({"split": {"n_splits": 1}}, "split.n_splits"),
        ({"split": {"n_splits": True}}, "split.n_splits"),
        ({"split": {"group_by": "patient"}}, "split.group_by"),
        ({"families": {"handcrafted": {"classifiers": ["rf"]}}}, "families.handcrafted.classifiers"),
        ({"families": {"handcrafted": {"classifiers": ["cnn"]}}}, "families.handcrafted.classifiers"),
        ({"families": {"deep": {"classifiers": ["svm"], "param": {}}}}, "families.deep.param"),
        ({"families": {"radiomics": {"classifiers": ["svm"]}}}, "families.radiomics"),
        ({"families": {"deep": {"classifiers": []}}}, "families.deep.classifiers"),
        ({"settings": {"roi": {"roi": "yes"}}}, "settings.roi.roi"),
        ({"settings": {"x": {"channels": [0, -1]}}}, "settings.x.channels"),
        ({"settings": {"x": {"crop": True}}}, "settings.x.crop"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_key_is_named(patch, key):
    cfg = {**MINIMAL, **patch}  # top-level replace: the patch is the whole sub-object
    with pytest.raises(SuiteError, match="suite 'mine': " + re.escape(key) + ":"):
        validate_suite(cfg)


def test_missing_required_keys():
    for key in ("name", "dataset", "families"):
        cfg = {k: v for k, v in MINIMAL.items() if k != key}
        with pytest.raises(SuiteError, match=key):
            validate_suite(cfg)


def test_unknown_suite_lists_builtins():
    with pytest.raises(SuiteError, match="quick"):
        resolve_suite("nope")


def test_quick_overrides_and_cli_overrides(tmp_path):
    base = load_suite("quick")
    cfg = resolve_suite("quick", quick=True, seed=5)
    assert cfg["quick"] is True and cfg["seed"] == 5
    assert cfg["dataset"]["n"] == base["quick"]["dataset"]["n"]
    cfg = resolve_suite("quick", data=str(tmp_path), layout="folder")
    assert cfg["dataset"] == {"source": "path", "path": str(tmp_path), "layout": "folder"}


def test_config_file_alone_or_merged(tmp_path):
    whole = tmp_path / "mine.json"
    whole.write_text(json.dumps(MINIMAL))
    assert resolve_suite(None, whole)["name"] == "mine"
    over = tmp_path / "over.json"
    over.write_text(json.dumps({"split": {"n_splits": 3}}))
    cfg = resolve_suite("quick", over)
    assert cfg["split"]["n_splits"] == 3 and cfg["name"] == "quick"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SuiteError, match="not valid JSON"):
        resolve_suite(None, bad)
    with pytest.raises(FileNotFoundError, match="missing.json"):
        resolve_suite(None, tmp_path / "missing.json")


def test_path_suite_needs_data():
    with pytest.raises(SuiteError, match="--data"):
        resolve_suite("custom")
