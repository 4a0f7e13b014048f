"""benchmarks.runner on a tiny synthetic suite: outputs, held-out metrics, fold cache and resume."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from benchmarks.runner import run_suite

TINY = {
    "name": "tiny",
    "task": "classification",
    "seed": 0,
    "dataset": {"source": "synthetic", "n": 16, "size": 32, "difficulty": 0.3},
    "split": {"n_splits": 2},
    "families": {
        "handcrafted": {"classifiers": ["logreg"], "params": {"handcrafted": {"image_size": 32}}},
        "deep": {"classifiers": ["logreg"],
                 "params": {"embeddings": {"backbone": "resnet18", "weights": None, "image_size": 32}}},
    },
    "settings": {"whole": {}},
}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    return out, run_suite(TINY, out=out, progress=False)


def test_outputs_written(first_run):
    out, results = first_run
    for name in ("results.json", "results.csv", "report.md", "report.html"):
        assert (out / name).is_file(), name
    saved = json.loads((out / "results.json").read_text())
    assert saved["config"]["name"] == "tiny" and saved["seed"] == 0
    for pkg in ("python", "numpy", "torch", "scikit-learn"):
        assert pkg in saved["versions"]
    assert {"platform", "cpu_count"} <= set(saved["machine"]) and saved["date"]
    with open(out / "results.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * 2  # (handcrafted, deep) x 2 folds
    assert {r["family"] for r in rows} == {"handcrafted", "deep"}
    assert results["run"] == {"computed": 4, "cached": 0}


def test_metrics_are_held_out_only(first_run):
    _, results = first_run
    for m in results["models"]:
        tested = np.concatenate([f["test_index"] for f in m["folds"]])
        assert sorted(tested.tolist()) == list(range(16))  # each image tested exactly once
        for f in m["folds"]:
            assert f["n_train"] + f["n_test"] == 16
        assert m["pooled"]["n"] == 16
        assert m["summary"]["roc_auc"]["n"] + sum("one class" in w for w in m["warnings"]) >= 1
    assert results["comparisons"][0]["setting"] == "whole"


def test_rerun_reads_fold_cache(first_run):
    out, results = first_run
    model = results["models"][0]
    fold_dirs = sorted((out / "folds").iterdir())
    assert len(fold_dirs) == 2 and all(len(list(d.glob("fold*.json"))) == 2 for d in fold_dirs)
    # mark a cached fold: a rerun must report the marked value, proving the fold was read, not recomputed
    path = next(d for d in fold_dirs if d.name.endswith(model["key"])) / "fold0.json"
    cached = json.loads(path.read_text())
    cached["metrics"]["f1"] = 0.123456
    path.write_text(json.dumps(cached))
    again = run_suite(TINY, out=out, progress=False)
    assert again["run"] == {"computed": 0, "cached": 4}
    assert again["models"][0]["folds"][0]["metrics"]["f1"] == 0.123456


def test_changed_config_gets_new_key(first_run, tmp_path):
    out, results = first_run
    changed = {**TINY, "families": {"handcrafted": TINY["families"]["handcrafted"]}, "seed": 1}
    res = run_suite(changed, out=tmp_path, progress=False)
    assert res["models"][0]["key"] != results["models"][0]["key"]
    assert res["run"]["computed"] == 2


def test_library_upgrade_gets_new_key(first_run, tmp_path, monkeypatch):
    """A fold computed by another scikit-learn (or TumorTrace, torch ...) version is not reused."""
    import shutil

    from benchmarks import runner

    out, results = first_run
    shutil.copytree(out / "folds", tmp_path / "folds")
    real = runner.environment

    def upgraded():
        env = real()
        env["versions"]["scikit-learn"] = env["versions"]["scikit-learn"] + ".post1"
        return env

    monkeypatch.setattr(runner, "environment", upgraded)
    res = run_suite(TINY, out=tmp_path, progress=False)
    assert res["run"] == {"computed": 4, "cached": 0}
    assert res["models"][0]["key"] != results["models"][0]["key"]


def test_fold_cache_with_other_test_indices_is_ignored(first_run, tmp_path):
    out, results = first_run
    import shutil

    shutil.copytree(out / "folds", tmp_path / "folds")
    model = results["models"][1]
    path = next(p for p in (tmp_path / "folds").iterdir() if p.name.endswith(model["key"])) / "fold1.json"
    cached = json.loads(path.read_text())
    cached["test_index"] = cached["test_index"][::-1]
    path.write_text(json.dumps(cached))
    res = run_suite(TINY, out=tmp_path, progress=False)
    assert res["run"] == {"computed": 1, "cached": 3}


def test_feature_cache_gives_the_pipelines_own_predictions():
    """Sharing extraction across folds (FeatureCache) must not change any prediction."""
    from benchmarks.runner import FeatureCache, _build_classifier
    from hybrid.data.synthetic import make_phantoms

    ph = make_phantoms(12, size=32, seed=3)
    y = np.tile([0, 1], 6)
    train, test = np.arange(8), np.arange(8, 12)
    spec = {"params": {"handcrafted": {"image_size": 32, "extractors": ["hog", "lbp"]},
                       "embeddings": {"image_size": 32}}}
    plain = _build_classifier("fused", "logreg", spec, seed=0)
    plain.fit([ph.images[i] for i in train], y[train])
    expected = plain.predict_proba([ph.images[i] for i in test])
    model = _build_classifier("fused", "logreg", spec, seed=0)
    cache = FeatureCache()
    extractors = cache.extractors(model)
    assert [type(e).__name__ for e in extractors] == ["HandcraftedFeatures", "CNNEmbeddings"]
    X, _ = cache.features("whole", extractors, ph.images)
    from sklearn.pipeline import Pipeline

    rest = Pipeline(model.steps[1:]).fit(X[train], y[train])
    np.testing.assert_allclose(rest.predict_proba(X[test]), expected, rtol=1e-6, atol=1e-9)


def test_failing_model_leaves_partial_report_of_finished_ones(first_run, tmp_path):
    out, _ = first_run
    import shutil

    shutil.copytree(out / "folds", tmp_path / "folds")  # deep folds come from the cache...
    broken = {**TINY, "families": {**TINY["families"], "fused": {
        "classifiers": ["logreg"], "params": {"embeddings": {"backbone": "no-such-net"}}}}}
    broken["families"]["handcrafted"] = {  # ...but this one is new: computed
        "classifiers": ["logreg"], "params": {"handcrafted": {"image_size": 32, "extractors": ["hog"]}}}
    with pytest.raises(ValueError, match="no-such-net"):
        run_suite(broken, out=tmp_path, progress=False)
    partial = json.loads((tmp_path / "results.json").read_text())
    assert partial["complete"] is False
    assert [m["id"] for m in partial["models"]] == ["whole/handcrafted/logreg", "whole/deep/logreg"]
    assert "PARTIAL RESULTS" in (tmp_path / "report.md").read_text()


@pytest.mark.slow
def test_segmentation_suite_writes_metrics_and_overlays(tmp_path):
    cfg = {"name": "seg", "task": "segmentation", "dataset": {"source": "synthetic", "n": 8, "size": 32},
           "split": {"n_splits": 2},
           "families": {"unet": {"params": {"image_size": 32, "epochs": 1, "base_channels": 4, "depth": 2,
                                            "augmentation": None, "val_fraction": 0.25}}}}
    res = run_suite(cfg, out=tmp_path, progress=False)
    (model,) = res["models"]
    assert model["id"] == "whole/unet/segmenter" and len(model["folds"]) == 2
    for f in model["folds"]:
        assert 0.0 <= f["metrics"]["dice"] <= 1.0
    overlays = [rel for f in model["folds"] for rel in f["overlays"]]
    assert overlays and all((tmp_path / rel).is_file() for rel in overlays)
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(overlays) + 1  # + training curves
    assert "Dice (all slices)" in (tmp_path / "report.md").read_text()


def test_svm_calibration_folds_get_the_training_fold_groups(tmp_path, monkeypatch):
    """The runner fits the calibrated SVM with the training fold's groups (grouped calibration folds)."""
    from benchmarks.runner import load_data
    from hybrid.models.calibration import GroupCalibratedClassifierCV

    calls = []
    real = GroupCalibratedClassifierCV.calibration_splits

    def spy(self, X, y, groups):
        splits = real(self, X, y, groups)
        calls.append((np.asarray(groups).copy(), splits))
        return splits

    monkeypatch.setattr(GroupCalibratedClassifierCV, "calibration_splits", spy)
    suite = {**TINY, "name": "tiny-svm", "dataset": {**TINY["dataset"], "n": 24},
             "families": {"handcrafted": {"classifiers": ["svm"], "params": {
                 "handcrafted": {"image_size": 32, "extractors": ["hog"]}, "calibration_cv": 3}}}}
    results = run_suite(suite, out=tmp_path, progress=False)
    assert len(calls) == 2  # one grouped calibration per outer fold
    all_groups = load_data(results["config"], progress=False).groups
    for fold, (groups, splits) in zip(results["models"][0]["folds"], calls, strict=True):
        train = np.setdiff1d(np.arange(24), fold["test_index"])
        np.testing.assert_array_equal(groups, all_groups[train])
        for inner_train, inner_test in splits:
            assert not set(groups[inner_train]) & set(groups[inner_test])


def test_no_progress_silences_nested_progress_parameters():
    """--no-progress reaches nested steps and parameter dicts (the fused CNN's handcrafted branch)."""
    from benchmarks.runner import _build_classifier

    spec = {"cnn_params": {"backbone": "resnet18", "weights": None, "image_size": 32, "progress": True,
                           "handcrafted": {"image_size": 64, "progress": True}}}
    loud = _build_classifier("fused", "cnn", spec, seed=0, progress=True)
    assert loud.progress and loud.handcrafted["progress"]
    quiet = _build_classifier("fused", "cnn", spec, seed=0, progress=False)
    assert quiet.progress is False
    assert quiet.handcrafted == {"image_size": 64, "progress": False}
    assert spec["cnn_params"]["handcrafted"]["progress"] is True  # the suite's spec is not modified
    pipe = _build_classifier("handcrafted", "svm", {"params": {"handcrafted": {"progress": True}}}, seed=0,
                             progress=False)
    flags = {k: v for k, v in pipe.get_params(deep=True).items() if k.endswith("progress")}
    assert flags and not any(flags.values())
