"""Atomic writes, safe checkpoint loads, RNG snapshots and the History container."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from hybrid.training import (
    ArrayDataset,
    History,
    atomic_directory,
    atomic_path,
    load_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
)


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name or ".old" in p.name)


def test_save_checkpoint_round_trip(tmp_path):
    obj = {"w": torch.arange(5.0), "epoch": 3, "name": "x", "nested": [1, (2.5, None)]}
    save_checkpoint(obj, tmp_path / "sub" / "a.pt")
    back = load_checkpoint(tmp_path / "sub" / "a.pt")
    assert torch.equal(back["w"], obj["w"]) and back["epoch"] == 3 and back["nested"] == [1, (2.5, None)]


def test_failed_save_leaves_no_partial_file_and_keeps_old_content(tmp_path):
    target = tmp_path / "best.pt"
    with pytest.raises(Exception):
        save_checkpoint({"bad": lambda: 0}, target)  # lambdas cannot be pickled: fails mid-write
    assert not target.exists() and leftovers(tmp_path) == []
    save_checkpoint({"v": torch.ones(2)}, target)
    before = target.read_bytes()
    with pytest.raises(Exception):
        save_checkpoint({"v": torch.zeros(2), "bad": lambda: 0}, target)
    assert target.read_bytes() == before and leftovers(tmp_path) == []


def test_atomic_path_failure_inside_block(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def test_atomic_directory_replaces_whole_folder_or_nothing(tmp_path):
    target = tmp_path / "model"
    with atomic_directory(target) as tmp:
        (tmp / "a.json").write_text("1")
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as tmp:
            (tmp / "a.json").write_text("2")
            raise RuntimeError("boom")
    assert (target / "a.json").read_text() == "1"
    with atomic_directory(target) as tmp:
        (tmp / "b.json").write_text("3")
    assert sorted(p.name for p in target.iterdir()) == ["b.json"]  # old content gone, not merged
    assert leftovers(tmp_path) == []


class NotATensor:
    pass


def test_load_refuses_arbitrary_pickled_objects(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"obj": NotATensor()}, path)
    with pytest.raises(ValueError, match="evil.pt"):
        load_checkpoint(path)


def test_load_truncated_and_missing_files(tmp_path):
    path = tmp_path / "cut.pt"
    save_checkpoint({"w": torch.ones(1000)}, path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="cut.pt"):
        load_checkpoint(path)
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        load_checkpoint(tmp_path / "missing.pt")


def test_rng_state_round_trip_through_a_safe_checkpoint(tmp_path):
    np.random.normal()  # leave a cached Gaussian in NumPy's state
    state = rng_state()
    first = (random.random(), np.random.rand(3), np.random.normal(), torch.rand(3))
    save_checkpoint(state, tmp_path / "rng.pt")
    set_rng_state(load_checkpoint(tmp_path / "rng.pt"))
    second = (random.random(), np.random.rand(3), np.random.normal(), torch.rand(3))
    assert first[0] == second[0] and np.array_equal(first[1], second[1]) and first[2] == second[2]
    assert torch.equal(first[3], second[3])


def test_history_dict_csv_round_trip(tmp_path):
    history = History(monitor="val_loss")
    history.append({"epoch": 1, "lr": 0.1, "train_loss": 1 / 3, "val_loss": float("nan")})
    history.append({"epoch": 2, "lr": 0.1, "train_loss": 0.25, "val_loss": 0.5, "val_auc": 0.75})
    history.best_epoch = 2
    assert History.from_dict(history.to_dict()) == history
    back = History.from_csv(history.to_csv(tmp_path / "h.csv")).rows
    assert back[0]["train_loss"] == 1 / 3 and np.isnan(back[0]["val_loss"]) and "val_auc" not in back[0]
    assert back[1] == history.rows[1]
    assert history.best == history.rows[1]
    assert history.plot(tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"


def test_array_dataset_items_and_errors():
    images = torch.rand(3, 1, 4, 4)
    ds = ArrayDataset(images, torch.tensor([0, 1, 0]), masks=torch.ones(3, 1, 4, 4),
                      extras={"features": torch.arange(6.0).view(3, 2)},
                      transform=lambda im, m: (im.flip(-1), m * 0))
    item = ds[1]
    assert torch.equal(item["image"], images[1].flip(-1)) and item["target"] == 1 and item["mask"].sum() == 0
    assert torch.equal(item["features"], torch.tensor([2.0, 3.0])) and item["index"] == 1
    assert torch.equal(ArrayDataset(images, transform=lambda im, m: im * 0)[0]["image"], torch.zeros(1, 4, 4))
    with pytest.raises(ValueError, match="targets"):
        ArrayDataset(images, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="images"):
        ArrayDataset(torch.rand(3, 4, 4))


def test_history_equality_treats_nan_as_equal():
    a, b = History(), History()
    for h in (a, b):
        h.append({"epoch": 1, "val_roc_auc": float("nan")})
    assert a == b
    b.append({"epoch": 2, "val_roc_auc": 0.5})
    assert a != b


def test_atomic_outputs_get_umask_permissions_not_owner_only(tmp_path):
    import os
    import stat

    from hybrid.training.atomic import atomic_directory, atomic_path

    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "report.html") as tmp:
            tmp.write_text("ok")
        with atomic_directory(tmp_path / "model") as folder:
            (folder / "config.json").write_text("{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "model").stat().st_mode) == 0o755
