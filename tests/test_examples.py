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


def _load_example(name: str):
    """Import an example script as a module (examples/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_busi_trained_backbone_uses_the_fold_cnn_weights(tmp_path):
    """deep_logreg_trained embeds with the fine-tuned CNN's backbone, not a random one."""
    import numpy as np
    import torch

    from hybrid.data.tensors import to_tensor_batch
    from hybrid.deep import normalize_batch
    from hybrid.models import CNNClassifier

    busi = _load_example("busi_classification")
    args = busi._parse(["--quick", "--configs", "deep_logreg_trained", "--seed", "3"])
    assert args.cnn_size == 48
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (40 + i, 50), dtype=np.uint8) for i in range(8)]
    labels = np.array(["benign", "malignant"] * 4)
    cnn = CNNClassifier(image_size=args.cnn_size, epochs=1, batch_size=4, lr=0.05, augmentation=None,
                        val_fraction=0, random_state=1).fit(images, labels)
    pipe = busi.trained_backbone_pipeline(cnn, tmp_path / "cnn", args)
    emb = pipe.named_steps["features"]
    assert emb.image_size == args.cnn_size and emb.weights == tmp_path / "cnn" / "weights.pt"
    pipe.fit(images, labels)
    got = pipe.named_steps["features"].transform(images[:3])
    x = normalize_batch(to_tensor_batch(images[:3], args.cnn_size, channels=1), "imagenet")
    with torch.inference_mode():
        expected = cnn.model_.backbone.eval()(x).double().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    random_init = busi.build("deep_logreg", args).named_steps["features"].set_params(image_size=args.cnn_size)
    assert not np.allclose(random_init.fit(images[:1]).transform(images[:3]), got, atol=1e-3)


def test_busi_all_configs_include_trained_backbone():
    busi = _load_example("busi_classification")
    assert busi._parse(["--configs", "all"]).configs == list(busi.ALL_CONFIGS)
    assert "deep_logreg_trained" in busi.ALL_CONFIGS and "deep_logreg_trained" in busi.__doc__


@pytest.mark.slow  # one fresh interpreter, two folds of a 1-epoch 48-px ResNet-18 on 80 phantoms
def test_busi_trained_backbone_config_runs_and_reuses_the_fold_cnn(tmp_path):
    import json

    script = EXAMPLES / "busi_classification.py"
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "2"}
    proc = subprocess.run([sys.executable, str(script), "--quick", "--synthetic", "--configs", "deep_logreg_trained",
                           "cnn", "--out", str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "AUC mean ± std" in proc.stdout and "train s / fold" in proc.stdout
    results = json.loads((tmp_path / "busi_results.json").read_text())
    trained, cnn = results["configs"]["deep_logreg_trained"], results["configs"]["cnn"]
    for t_fold, c_fold in zip(trained["folds"], cnn["folds"], strict=True):
        assert t_fold["backbone_fit_s"] == c_fold["fit_s"]  # the same fitted cnn, not a second fit
        assert t_fold["train_s"] > t_fold["backbone_fit_s"]
        assert 0 <= t_fold["roc_auc"] <= 1
    for res in results["configs"].values():
        assert res["summary"]["train_s_mean"] > 0
