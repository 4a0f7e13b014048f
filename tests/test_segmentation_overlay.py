"""Overlay figures: PNG written atomically, panels, best/worst selection by Dice."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hybrid.segmentation.overlay import blend, overlay_figure, to_display, write_case_overlays


def _case(shift):
    image = np.zeros((24, 30), np.uint8)
    image[6:18, 8:20] = 200
    truth = np.zeros((24, 30), bool)
    truth[6:18, 8:20] = True
    return image, truth, np.roll(truth, shift, axis=1)


def test_overlay_png_written(tmp_path):
    image, truth, pred = _case(2)
    path = overlay_figure(image, truth, pred, tmp_path / "sub" / "case.png", title="case")
    assert path.is_file() and not [p for p in path.parent.iterdir() if p.name.startswith(".")]
    with Image.open(path) as im:
        assert im.format == "PNG" and im.width > 3 * im.height  # five panels side by side
    three = overlay_figure(np.stack([image] * 3, -1), None, pred, tmp_path / "three.png")
    with Image.open(three) as im, Image.open(path) as five:
        assert im.width < five.width


def test_blend_colours_only_mask_pixels():
    image = np.full((2, 2), 255, np.uint8)
    out = blend(image, np.array([[1, 0], [0, 0]]), color=(1, 0, 0), alpha=0.5)
    np.testing.assert_allclose(out[0, 0], [1.0, 0.5, 0.5])
    np.testing.assert_allclose(out[1, 1], [1.0, 1.0, 1.0])


def test_to_display_scaling():
    np.testing.assert_allclose(to_display(np.array([[0, 65535]], np.uint16))[0, :, 0], [0.0, 1.0])
    np.testing.assert_allclose(to_display(np.array([[2.0, 4.0]]))[0, :, 1], [0.0, 1.0])
    assert to_display(np.full((2, 2), 7.0)).max() == 0.0  # constant float image


def test_best_and_worst_cases_by_dice(tmp_path):
    cases = [_case(s) for s in (0, 6, 2)]  # Dice 1.0, 0.5, ~0.83
    images, truths, preds = (list(x) for x in zip(*cases))
    images.append(np.zeros((24, 30), np.uint8))   # tumor-free slice: excluded from the ranking
    truths.append(np.zeros((24, 30), bool))
    preds.append(np.zeros((24, 30), bool))
    worst = write_case_overlays(images, truths, preds, tmp_path, which="worst", n=2, names=["a", "b", "c", "d"])
    best = write_case_overlays(images, truths, preds, tmp_path, which="best", n=1, names=["a", "b", "c", "d"])
    assert [p.name for p in worst] == ["worst_00_b.png", "worst_01_c.png"]
    assert [p.name for p in best] == ["best_00_a.png"]
    chosen = write_case_overlays(images, truths, preds, tmp_path, which=[3])
    assert [p.name for p in chosen] == ["case_00_3.png"] and chosen[0].is_file()


def test_errors(tmp_path):
    image, truth, pred = _case(0)
    with pytest.raises(ValueError, match="pred_mask shape"):
        overlay_figure(image, truth, pred[:5], tmp_path / "x.png")
    with pytest.raises(ValueError, match="which"):
        write_case_overlays([image], [truth], [pred], tmp_path, which="median")
    with pytest.raises(ValueError, match="same length"):
        write_case_overlays([image], [truth], [], tmp_path)
