"""hybrid.data.synthetic: determinism, mask/image alignment, difficulty controls separability."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from hybrid.data import load_dataset
from hybrid.data.synthetic import make_phantoms, write_synthetic_dataset


@pytest.mark.parametrize("modality", ["ultrasound", "mri"])
def test_deterministic_and_prefix_stable(modality):
    a = make_phantoms(6, size=64, seed=11, modality=modality)
    b = make_phantoms(6, size=64, seed=11, modality=modality)
    c = make_phantoms(8, size=64, seed=11, modality=modality)
    d = make_phantoms(6, size=64, seed=12, modality=modality)
    assert all(np.array_equal(x, y) for x, y in zip(a.images, b.images))
    assert all(np.array_equal(x, y) for x, y in zip(a.images, c.images[:6]))
    assert all(np.array_equal(x, y) for x, y in zip(a.masks, c.masks[:6]))
    assert not np.array_equal(a.images[0], d.images[0])
    assert a.labels.tolist() == ["benign", "malignant"] * 3 and len(set(a.groups)) == 6
    assert a.images[0].dtype == np.uint8 and a.masks[0].dtype == bool and a.images[0].shape == (64, 64)


@pytest.mark.parametrize("modality, darker", [("ultrasound", True), ("mri", False)])
def test_mask_aligned_with_lesion(modality, darker):
    ph = make_phantoms(10, size=128, seed=3, difficulty=0.0, modality=modality)
    for img, m in zip(ph.images, ph.masks):
        assert 0.01 < m.mean() < 0.4
        ring = cv2.dilate(m.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~m
        inside, around = img[m].mean(), img[ring].mean()
        assert (inside < around - 10) if darker else (inside > around + 10)
        shifted = np.roll(m, 25, axis=1)  # a misplaced mask shows far less contrast
        assert abs(img[m].mean() - around) > abs(img[shifted].mean() - around)


def test_posterior_shadowing_only_for_malignant_look():
    ph = make_phantoms(40, size=128, seed=8, difficulty=0.0)
    ratio = {"benign": [], "malignant": []}
    for img, m, label in zip(ph.images, ph.masks, ph.labels):
        rows, cols = np.nonzero(m)
        c0, c1, bottom = cols.min(), cols.max() + 1, rows.max()
        below = img[bottom + 4:bottom + 30, c0:c1].mean()
        beside = np.r_[img[bottom + 4:bottom + 30, max(0, c0 - 20):c0].ravel(),
                       img[bottom + 4:bottom + 30, c1:c1 + 20].ravel()].mean()
        ratio[label].append(below / beside)
    assert np.median(ratio["malignant"]) < 0.8 < 1.0 < np.median(ratio["benign"])


def _irregularity(mask):
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    c = max(contours, key=cv2.contourArea)
    return cv2.arcLength(c, True) ** 2 / max(cv2.contourArea(c), 1.0)


def test_difficulty_matters():
    auc = {}
    for d in (0.0, 0.5, 1.0):
        ph = make_phantoms(120, size=64, seed=5, difficulty=d)
        y = (ph.labels == "malignant").astype(int)
        auc[d] = roc_auc_score(y, [_irregularity(m) for m in ph.masks])
    assert auc[0.0] > 0.95
    assert auc[0.0] > auc[0.5] > auc[1.0]
    assert abs(auc[1.0] - 0.5) < 0.15  # appearance independent of the label


def test_bad_arguments():
    cases = [({"n": 0}, "n must"), ({"n": 2, "size": 8}, "size"), ({"n": 2, "difficulty": 1.5}, "difficulty"),
             ({"n": 2, "modality": "ct"}, "modality")]
    for kwargs, word in cases:
        with pytest.raises(ValueError, match=word):
            make_phantoms(**kwargs)


def test_write_and_load_folder_dataset(tmp_path):
    out = write_synthetic_dataset(tmp_path / "syn", n=9, size=48, seed=2, difficulty=0.3)
    assert (out / "benign" / "benign_0001.png").is_file() and (out / "malignant" / "malignant_0004_mask.png").is_file()
    assert json.loads((out / "synthetic.json").read_text())["seed"] == 2
    ds = load_dataset(out, progress=False)
    assert ds.layout == "folder" and ds.classes == ["benign", "malignant"]
    s = ds.summary()
    assert s["classes"] == {"benign": 5, "malignant": 4} and s["n_masks"] == 9 and s["unreadable"] == []
    ref = make_phantoms(9, size=48, seed=2, difficulty=0.3)
    np.testing.assert_array_equal(ds.read_image(0), ref.images[0])  # benign_0001 is phantom 0
    np.testing.assert_array_equal(ds.read_mask(5), ref.masks[1])  # malignant_0001 is phantom 1
