"""Segmenter: fit/predict at original size, channels, grouped validation, persistence, resume, time budget."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.base import clone

from hybrid.data.synthetic import make_phantoms
from hybrid.segmentation import Segmenter, SegmentationTask
from hybrid.segmentation.losses import BCEDiceLoss
from hybrid.segmentation.unet import UNet
from hybrid.training import ArrayDataset, Callback, TrainConfig, Trainer

TINY = dict(image_size=32, base_channels=4, depth=2, batch_size=4, augmentation=None, random_state=0)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def phantoms():
    return make_phantoms(12, size=32, seed=0, difficulty=0.2)


@pytest.fixture(scope="module")
def fitted(phantoms):
    groups = np.repeat(["a", "b", "c", "d"], 3)
    return Segmenter(epochs=2, val_fraction=0.25, **{**TINY, "augmentation": "B"}).fit(
        phantoms.images, phantoms.masks, groups=groups)


def test_init_stores_params_only_and_clones():
    seg = Segmenter(arch="resunet", postprocess={"min_size": 5})
    assert clone(seg).get_params() == seg.get_params()
    assert not [k for k in vars(seg) if k.endswith("_")]


def test_predict_at_original_size_for_differing_non_square_inputs(fitted, phantoms):
    images = [phantoms.images[0][:20, :31], phantoms.images[1], np.pad(phantoms.images[2], ((0, 9), (3, 0)))]
    proba = fitted.predict_proba(images)
    masks = fitted.predict(images)
    assert [p.shape for p in proba] == [(20, 31), (32, 32), (41, 35)]
    assert [m.shape for m in masks] == [(20, 31), (32, 32), (41, 35)]
    assert all(p.dtype == np.float32 and p.min() >= 0 and p.max() <= 1 for p in proba)
    assert all(m.dtype == bool for m in masks)
    # predict = threshold (>= 0.5) of predict_proba when no post-processing is set
    np.testing.assert_array_equal(masks[1], proba[1] >= 0.5)


def test_grouped_validation_split_and_fitted_attributes(fitted):
    assert set(fitted.train_groups_).isdisjoint(fitted.val_groups_)
    assert len(fitted.val_groups_) == 1 and len(fitted.train_groups_) == 3
    assert fitted.in_channels_ == 1
    assert len(fitted.history_) == 2
    assert {"val_dice", "val_iou_slices", "val_loss", "train_loss"} <= set(fitted.history_.columns)


def test_three_channel_inputs_inferred_and_checked(phantoms):
    rgb = [np.stack([im] * 3, axis=-1) for im in phantoms.images[:6]]
    seg = Segmenter(epochs=1, val_fraction=0.0, **TINY).fit(rgb, phantoms.masks[:6])
    assert seg.in_channels_ == 3 and seg.model_.in_channels == 3
    assert seg.predict(rgb[:1])[0].shape == (32, 32)
    with pytest.raises(ValueError, match=r"images\[1\] has 1 channel"):
        seg.predict([rgb[0], phantoms.images[0]])


def test_postprocess_applied_in_predict(fitted, phantoms):
    seg = clone(fitted).set_params(postprocess={"keep_largest": True, "fill_holes": True})
    seg.__dict__.update({k: v for k, v in vars(fitted).items() if k.endswith("_")})
    seg.postprocess_ = dict(seg.postprocess)
    from scipy import ndimage

    for m in seg.predict(phantoms.images[:4]):
        assert ndimage.label(m, structure=np.ones((3, 3)))[1] <= 1


def test_save_load_roundtrip(fitted, phantoms, tmp_path):
    fitted.save(tmp_path / "model")
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["format"] == "tumortrace-segmenter" and config["params"]["arch"] == "unet"
    loaded = Segmenter.load(tmp_path / "model")
    for a, b in zip(loaded.predict_proba(phantoms.images[:3]), fitted.predict_proba(phantoms.images[:3])):
        np.testing.assert_array_equal(a, b)
    assert loaded.get_params() == fitted.get_params()
    from hybrid.models.persistence import load_model, save_model  # the shared registry knows the segmenter

    save_model(fitted, tmp_path / "via_registry")
    again = load_model(tmp_path / "via_registry")
    assert isinstance(again, Segmenter)
    np.testing.assert_array_equal(again.predict(phantoms.images[:1])[0], fitted.predict(phantoms.images[:1])[0])


def test_load_errors(fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        Segmenter.load(tmp_path / "nothing")
    fitted.save(tmp_path / "m")
    (tmp_path / "m" / "weights.pt").write_bytes(b"truncated")
    with pytest.raises(ValueError, match="cannot load weights"):
        Segmenter.load(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        Segmenter.load(tmp_path / "m")


def test_input_errors(phantoms):
    seg = Segmenter(epochs=1, **TINY)
    with pytest.raises(ValueError, match="12 images but 11 masks"):
        seg.fit(phantoms.images, phantoms.masks[:11])
    bad = list(phantoms.masks)
    bad[3] = bad[3][:10]
    with pytest.raises(ValueError, match=r"masks\[3\]"):
        seg.fit(phantoms.images, bad)
    nan_image = phantoms.images[0].astype(float)
    nan_image[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"images\[0\]"):
        seg.fit([nan_image], [phantoms.masks[0]])
    with pytest.raises(ValueError, match="unknown postprocess"):
        Segmenter(postprocess={"dilate": 2}, **TINY).fit(phantoms.images, phantoms.masks)
    with pytest.raises(ValueError, match="arch"):
        Segmenter(arch="vnet").fit(phantoms.images, phantoms.masks)


class _Kill(Callback):
    def on_batch_end(self, trainer, epoch, batch_index, loss):
        if epoch == 2 and batch_index == 1:
            raise KeyboardInterrupt("simulated kill")


def test_resume_after_interruption_matches_uninterrupted_run(phantoms, tmp_path):
    from hybrid.data.tensors import to_tensor_batch

    x = to_tensor_batch(phantoms.images, 32, channels=1)
    y = (to_tensor_batch(phantoms.masks, 32, channels=1) >= 0.5).float()
    train, val = ArrayDataset(x[:9], masks=y[:9]), ArrayDataset(x[9:], masks=y[9:])

    def run(folder, callbacks=(), resume=False):
        torch.manual_seed(0)
        model = UNet(in_channels=1, base_channels=4, depth=2)
        config = TrainConfig(epochs=3, batch_size=4, optimizer="adamw", schedule="cosine", monitor="val_dice",
                             monitor_mode="max", checkpoint_dir=folder, resume=resume, seed=0)
        history = Trainer(config, callbacks).fit(model, train, val, SegmentationTask(BCEDiceLoss()))
        return model, history

    ref_model, ref_history = run(tmp_path / "ref")
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "cut", callbacks=[_Kill()])
    model, history = run(tmp_path / "cut", resume=True)
    np.testing.assert_equal(history.rows, ref_history.rows)  # NaN-aware (no tumor-free val slice)
    for a, b in zip(model.state_dict().values(), ref_model.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert (tmp_path / "cut" / "history.csv").is_file() and (tmp_path / "cut" / "history.png").is_file()


def test_segmenter_resume_flag(phantoms, tmp_path):
    kw = dict(epochs=2, val_fraction=0.25, checkpoint_dir=tmp_path / "ck", **TINY)
    first = Segmenter(**kw).fit(phantoms.images, phantoms.masks)
    again = Segmenter(resume=True, **kw).fit(phantoms.images, phantoms.masks)  # nothing left to do
    np.testing.assert_equal(again.history_.rows, first.history_.rows)


def test_max_minutes_goes_through_the_trainer_time_budget(phantoms, monkeypatch):
    """Segmenter(max_minutes=...) is the shared trainer's budget: fake 20-s epochs, 1-minute budget."""
    ticks = iter(np.arange(0.0, 1000.0, 10.0))  # trainer reads the clock at start, epoch start, epoch end
    monkeypatch.setattr("hybrid.training.trainer.default_clock", lambda: float(next(ticks)))
    seg = Segmenter(epochs=6, val_fraction=0.25, max_minutes=1.0, **TINY).fit(phantoms.images, phantoms.masks)
    # clock: fit start 0; epoch k starts at 20k-10 and ends at 20k -> elapsed 20k, longest epoch 10 s;
    # stop once 20k + 10 > 60, i.e. after epoch 3
    assert len(seg.history_) == 3 and seg.history_.stopped_by == "time_budget" and seg.stopped_by_time_
    assert not seg.history_.stopped_early


def test_max_minutes_in_fit(phantoms):
    seg = Segmenter(epochs=5, val_fraction=0.25, max_minutes=1e-6, **TINY).fit(phantoms.images, phantoms.masks)
    assert len(seg.history_) == 1 and seg.stopped_by_time_


def test_percentile_normalisation_makes_predictions_contrast_invariant(phantoms):
    seg = Segmenter(epochs=1, val_fraction=0.0, normalize="percentile", **TINY).fit(phantoms.images[:6],
                                                                                   phantoms.masks[:6])
    image = phantoms.images[0].astype(np.float64) / 255.0
    a, b = seg.predict_proba([image, 0.1 + 0.5 * image])
    np.testing.assert_allclose(a, b, atol=1e-5)
    with pytest.raises(ValueError, match="normalize"):
        Segmenter(normalize="histeq", **TINY).fit(phantoms.images[:2], phantoms.masks[:2])


def test_tune_min_size_chooses_on_validation_groups(phantoms, tmp_path, monkeypatch):
    """tune_min_size scores every MIN_SIZE_GRID value on the validation images only and keeps
    the best (ties: the smaller); the choice is used by predict and survives save/load."""
    from hybrid.segmentation import segmenter as segmenter_module

    groups = np.repeat(["a", "b", "c", "d"], 3)
    seen = []
    real = segmenter_module.dice_per_slice

    def spy(preds, truths):
        seen.append(len(truths))
        return real(preds, truths)

    monkeypatch.setattr(segmenter_module, "dice_per_slice", spy)
    seg = Segmenter(epochs=1, val_fraction=0.25, tune_min_size=True, postprocess={"fill_holes": True}, **TINY).fit(
        phantoms.images, phantoms.masks, groups=groups)
    n_val = int(np.isin(groups, seg.val_groups_).sum())
    assert seen == [n_val] * len(segmenter_module.MIN_SIZE_GRID)  # validation images only
    scores = seg.min_size_scores_
    assert list(scores) == list(segmenter_module.MIN_SIZE_GRID)
    best = seg.postprocess_["min_size"]
    assert scores[best] == max(scores.values())
    assert best == min(k for k, v in scores.items() if v == max(scores.values()))
    assert seg.postprocess_["fill_holes"] is True  # the other options are kept
    val_imgs = [im for im, g in zip(phantoms.images, groups) if g in seg.val_groups_]
    val_masks = [m for m, g in zip(phantoms.masks, groups) if g in seg.val_groups_]
    assert real(seg.predict(val_imgs), val_masks).mean() == pytest.approx(scores[best])
    seg.save(tmp_path / "m")
    loaded = Segmenter.load(tmp_path / "m")
    assert loaded.postprocess_ == seg.postprocess_ and loaded.min_size_scores_ == scores
    again = Segmenter.load(tmp_path / "m").tune_min_size_on(val_imgs, val_masks)  # the public step alone
    assert again.min_size_scores_ == scores and again.postprocess_ == seg.postprocess_
    with pytest.raises(ValueError, match="3 images but 2 masks"):
        again.tune_min_size_on(val_imgs[:3], val_masks[:2])
    with pytest.raises(ValueError, match="tune_min_size=True needs validation groups"):
        Segmenter(epochs=1, val_fraction=0.0, tune_min_size=True, **TINY).fit(phantoms.images, phantoms.masks)
