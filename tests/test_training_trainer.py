"""Trainer: resume-after-kill equality, early stopping, best restore, schedules, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from hybrid.training import (
    ArrayDataset,
    Callback,
    ClassificationTask,
    History,
    TrainConfig,
    Trainer,
    balanced_class_weights,
    load_checkpoint,
)



class TinyNet(nn.Module):
    """Conv + BatchNorm + Dropout: exercises buffers and the torch RNG during training."""

    def __init__(self, n_classes: int = 2) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Dropout(0.3))
        self.head = nn.Linear(16, n_classes)

    def forward(self, x):
        return self.head(self.body(x))


def random_flip(image, mask=None):
    """Augmentation drawing from the global torch RNG (so resume must restore it)."""
    if torch.rand(()) < 0.5:
        image = image.flip(-1)
    return image, mask


def make_data(n=24, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.rand(n, 1, 8, 8, generator=g) * 0.5 + 0.5 * y.view(-1, 1, 1, 1)
    return x, y


def datasets():
    x, y = make_data(24, seed=0)
    xv, yv = make_data(10, seed=1)
    return ArrayDataset(x, y, transform=random_flip), ArrayDataset(xv, yv)


def fresh_model(seed):
    torch.manual_seed(seed)
    return TinyNet()


class KillAt(Callback):
    def __init__(self, epoch, batch):
        self.at = (epoch, batch)

    def on_batch_end(self, trainer, epoch, batch_index, loss):
        if (epoch, batch_index) == self.at:
            raise KeyboardInterrupt(f"killed at epoch {epoch} batch {batch_index}")


class EpochLog(Callback):
    def __init__(self):
        self.started = []

    def on_epoch_start(self, trainer, epoch):
        self.started.append(epoch)


@pytest.mark.parametrize("recipe", [dict(optimizer="sgd", schedule="step", step_size=2, lr=0.05),
                                    dict(optimizer="adamw", schedule="cosine", lr=0.01)])
def test_resume_after_kill_matches_uninterrupted_run(tmp_path, recipe):
    common = dict(epochs=3, batch_size=5, seed=3, monitor="val_roc_auc", monitor_mode="max", **recipe)
    train, val = datasets()
    full_model = fresh_model(0)
    full = Trainer(TrainConfig(checkpoint_dir=tmp_path / "full", **common)).fit(full_model, train, val,
                                                                                 ClassificationTask())

    killed_dir = tmp_path / "killed"
    with pytest.raises(KeyboardInterrupt):
        Trainer(TrainConfig(checkpoint_dir=killed_dir, **common), callbacks=[KillAt(2, 2)]).fit(
            fresh_model(0), train, val, ClassificationTask())
    assert load_checkpoint(killed_dir / "last.pt")["epoch"] == 1  # the kill happened mid-epoch 2

    log = EpochLog()
    resumed_model = fresh_model(123)  # a different initialisation: everything must come from last.pt
    resumed = Trainer(TrainConfig(checkpoint_dir=killed_dir, resume=True, **common), callbacks=[log]).fit(
        resumed_model, train, val, ClassificationTask())

    assert log.started == [2, 3]
    assert resumed == full
    assert len(full) == 3
    for key, value in full_model.state_dict().items():  # best weights restored in both
        assert torch.equal(value, resumed_model.state_dict()[key]), key
    last_full = load_checkpoint(tmp_path / "full" / "last.pt")
    last_resumed = load_checkpoint(killed_dir / "last.pt")
    for key, value in last_full["model"].items():  # and the final (not necessarily best) weights too
        assert torch.equal(value, last_resumed["model"][key]), key
    assert History.from_csv(killed_dir / "history.csv").rows == full.rows


def test_resume_from_finished_run_trains_nothing_and_restores_best(tmp_path):
    train, val = datasets()
    cfg = dict(epochs=2, batch_size=8, checkpoint_dir=tmp_path)
    first = fresh_model(0)
    history = Trainer(TrainConfig(**cfg)).fit(first, train, val, ClassificationTask())
    log = EpochLog()
    again = fresh_model(5)
    history2 = Trainer(TrainConfig(resume=True, **cfg), callbacks=[log]).fit(again, train, val, ClassificationTask())
    assert log.started == []
    assert history2 == history
    for key, value in first.state_dict().items():
        assert torch.equal(value, again.state_dict()[key])


def test_resume_refuses_changed_settings(tmp_path):
    train, val = datasets()
    Trainer(TrainConfig(epochs=1, batch_size=8, checkpoint_dir=tmp_path)).fit(fresh_model(0), train, val,
                                                                              ClassificationTask())
    with pytest.raises(ValueError, match="lr"):
        Trainer(TrainConfig(epochs=2, batch_size=8, lr=0.5, checkpoint_dir=tmp_path, resume=True)).fit(
            fresh_model(0), train, val, ClassificationTask())


def test_resume_missing_explicit_file_raises(tmp_path):
    train, val = datasets()
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        Trainer(TrainConfig(epochs=1, resume=tmp_path / "nope.pt")).fit(fresh_model(0), train, val,
                                                                        ClassificationTask())


class ScriptedTask(ClassificationTask):
    """Training as usual, but the validation metric follows a script (to drive early stopping)."""

    def __init__(self, values):
        super().__init__()
        self.values = list(values)
        self.calls = 0

    def evaluate(self, model, loader):
        value = self.values[self.calls]
        self.calls += 1
        return {"score": value}


@pytest.mark.parametrize("use_dir", [True, False])
def test_early_stopping_and_best_restore(tmp_path, use_dir):
    train, val = datasets()
    model = fresh_model(0)
    snaps = {}

    class Snap(Callback):
        def on_epoch_end(self, trainer, epoch, row):
            snaps[epoch] = {k: v.clone() for k, v in model.state_dict().items()}

    task = ScriptedTask([0.9, 0.5, 0.6, 0.55, 0.7, 0.1, 0.1])
    cfg = TrainConfig(epochs=7, batch_size=8, lr=0.1, patience=2, monitor="val_score", monitor_mode="min",
                      checkpoint_dir=tmp_path if use_dir else None)
    history = Trainer(cfg, callbacks=[Snap()]).fit(model, train, val, task)
    assert len(history) == 4 and history.stopped_early  # epochs 3 and 4 did not beat 0.5
    assert history.best_epoch == 2 and history.best["val_score"] == 0.5
    for key, value in model.state_dict().items():
        assert torch.equal(value, snaps[2][key]), key
    assert not torch.equal(snaps[2]["head.weight"], snaps[4]["head.weight"])  # restoring did change weights
    if use_dir:
        assert load_checkpoint(tmp_path / "best.pt")["epoch"] == 2
    else:
        assert not list(tmp_path.iterdir())


def test_ties_and_nan_do_not_improve():
    train, val = datasets()
    history = Trainer(TrainConfig(epochs=4, batch_size=8, monitor="val_score", monitor_mode="max")).fit(
        fresh_model(0), train, val, ScriptedTask([float("nan"), 0.5, 0.5, float("nan")]))
    assert history.best_epoch == 2
    assert not history.stopped_early


def test_min_delta_requires_strictly_larger_gain():
    train, val = datasets()
    scripted = ScriptedTask([0.5, 0.55, 0.58, 0.75])
    history = Trainer(TrainConfig(epochs=4, batch_size=8, monitor="val_score", monitor_mode="max",
                                  min_delta=0.1, patience=3)).fit(fresh_model(0), train, val, scripted)
    assert history.best_epoch == 4  # 0.55 and 0.58 are within min_delta of 0.5; 0.75 is not


def test_all_nan_monitor_keeps_last_weights_with_warning():
    train, val = datasets()
    with pytest.warns(RuntimeWarning, match="never had a finite value"):
        history = Trainer(TrainConfig(epochs=2, batch_size=8, monitor="val_score")).fit(
            fresh_model(0), train, val, ScriptedTask([float("nan")] * 2))
    assert history.best_epoch is None


def test_step_and_cosine_learning_rates_in_history():
    train, val = datasets()
    step = Trainer(TrainConfig(epochs=4, batch_size=8, lr=0.1, step_size=2, gamma=0.5)).fit(
        fresh_model(0), train, val, ClassificationTask())
    assert step.column("lr") == pytest.approx([0.1, 0.1, 0.05, 0.05])
    cosine = Trainer(TrainConfig(epochs=4, batch_size=8, lr=0.1, optimizer="adamw", schedule="cosine")).fit(
        fresh_model(0), train, val, ClassificationTask())
    expected = [0.1 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(4)]
    assert cosine.column("lr") == pytest.approx(expected)


def test_history_columns_and_outputs(tmp_path):
    train, val = datasets()
    history = Trainer(TrainConfig(epochs=2, batch_size=8, checkpoint_dir=tmp_path)).fit(
        fresh_model(0), train, val, ClassificationTask())
    assert history.columns == ["epoch", "lr", "train_loss", "val_loss", "val_accuracy", "val_balanced_accuracy",
                               "val_roc_auc"]
    assert history.column("epoch") == [1.0, 2.0]
    assert (tmp_path / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert History.from_csv(tmp_path / "history.csv").rows == history.rows
    assert (tmp_path / "train_config.json").is_file()
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_training_learns_a_separable_problem():
    x, y = make_data(40, seed=0)
    xv, yv = make_data(20, seed=1)  # held-out samples, never trained on
    history = Trainer(TrainConfig(epochs=6, batch_size=8, lr=0.05, monitor="val_accuracy", monitor_mode="max")).fit(
        fresh_model(0), ArrayDataset(x, y), ArrayDataset(xv, yv), ClassificationTask())
    assert history.column("train_loss")[-1] < history.column("train_loss")[0]
    assert history.best["val_accuracy"] >= 0.8


def test_class_weights_reach_the_loss():
    x, y = make_data(8)
    batch = {"image": x, "target": y}
    model = fresh_model(0).eval()
    plain = ClassificationTask().loss(model, batch)
    weight = torch.tensor([1.0, 3.0])
    weighted = ClassificationTask(class_weight=weight).loss(model, batch)
    per_sample = nn.functional.cross_entropy(model(x), y, reduction="none")
    expected = (per_sample * weight[y]).sum() / weight[y].sum()
    assert torch.allclose(weighted, expected)
    assert not torch.allclose(weighted, plain)


def test_balanced_class_weights_match_sklearn():
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0, 0, 0, 1, 2, 2])
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y)
    assert np.allclose(balanced_class_weights(y, 3).numpy(), expected)
    assert balanced_class_weights([0, 0], 2)[1] == 0  # absent class


def test_dataloader_order_depends_only_on_seed_and_epoch():
    from hybrid.training import epoch_generator

    a = torch.randperm(50, generator=epoch_generator(7, 3))
    torch.rand(100)  # global RNG use in between must not matter
    b = torch.randperm(50, generator=epoch_generator(7, 3))
    c = torch.randperm(50, generator=epoch_generator(7, 4))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("kwargs, match", [
    (dict(optimizer="adam"), "optimizer"), (dict(schedule="poly"), "schedule"), (dict(epochs=0), "epochs"),
    (dict(lr=0.0), "lr"), (dict(monitor_mode="up"), "monitor_mode"), (dict(patience=0), "patience"),
    (dict(resume=True), "checkpoint_dir"), (dict(lr=float("nan")), "lr"),
])
def test_config_validation_names_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_fit_input_errors():
    train, val = datasets()
    with pytest.raises(ValueError, match="val_dataset"):
        Trainer(TrainConfig(epochs=1)).fit(fresh_model(0), train, None, ClassificationTask())
    with pytest.raises(KeyError, match="val_nope"):
        Trainer(TrainConfig(epochs=1, monitor="val_nope")).fit(fresh_model(0), train, val, ClassificationTask())
    with pytest.raises(TypeError, match="task"):
        Trainer(TrainConfig(epochs=1)).fit(fresh_model(0), train, val, object())
    frozen = fresh_model(0).requires_grad_(False)
    with pytest.raises(ValueError, match="trainable"):
        Trainer(TrainConfig(epochs=1)).fit(frozen, train, val, ClassificationTask())
    history = Trainer(TrainConfig(epochs=1, monitor="train_loss")).fit(fresh_model(0), train, None,
                                                                      ClassificationTask())
    assert history.columns == ["epoch", "lr", "train_loss"]


def test_non_finite_loss_names_epoch_and_batch():
    class NanTask(ClassificationTask):
        def loss(self, model, batch):
            return super().loss(model, batch) * float("nan")

    train, val = datasets()
    with pytest.raises(FloatingPointError, match="epoch 1, batch 0"):
        Trainer(TrainConfig(epochs=1)).fit(fresh_model(0), train, val, NanTask())


class FakeClock:
    """Each call advances the time by ``step`` seconds (no real time involved)."""

    def __init__(self, step):
        self.now, self.step, self.calls = 0.0, step, 0

    def __call__(self):
        self.calls += 1
        self.now += self.step
        return self.now


def test_time_budget_stops_when_the_next_epoch_would_overrun():
    # clock reads (10-s ticks): fit start 10, epoch k starts at 20k and ends at 20k + 10, so after
    # epoch k the elapsed time is 20k and the longest epoch 10 s. Budget 60 s:
    # k=1: 20+10 <= 60, k=2: 40+10 <= 60 (not strictly more), k=3: 60+10 > 60 -> stop after epoch 3
    train, val = datasets()
    clock = FakeClock(10.0)
    history = Trainer(TrainConfig(epochs=10, batch_size=8, max_minutes=1.0), clock=clock).fit(
        fresh_model(0), train, val, ClassificationTask())
    assert len(history) == 3 and history.stopped_by == "time_budget" and not history.stopped_early
    assert clock.calls == 1 + 2 * 3


def test_time_budget_not_reached_and_no_budget_run_all_epochs():
    train, val = datasets()
    roomy = Trainer(TrainConfig(epochs=3, batch_size=8, max_minutes=10.0), clock=FakeClock(10.0)).fit(
        fresh_model(0), train, val, ClassificationTask())
    unlimited = Trainer(TrainConfig(epochs=3, batch_size=8), clock=FakeClock(1e6)).fit(
        fresh_model(0), train, val, ClassificationTask())
    assert len(roomy) == len(unlimited) == 3
    assert roomy.stopped_by == unlimited.stopped_by == "epochs"


def test_budget_hit_on_the_last_epoch_counts_as_epochs():
    train, val = datasets()
    history = Trainer(TrainConfig(epochs=3, batch_size=8, max_minutes=1.0), clock=FakeClock(10.0)).fit(
        fresh_model(0), train, val, ClassificationTask())
    assert len(history) == 3 and history.stopped_by == "epochs"  # no 4th epoch was going to run


def test_early_stopping_wins_over_the_time_budget_and_is_recorded():
    train, val = datasets()
    # patience runs out after epoch 4; the 80-s budget too (after epoch 3: 60+10 <= 80, epoch 4: 80+10 > 80)
    cfg = TrainConfig(epochs=7, batch_size=8, patience=2, monitor="val_score", max_minutes=80 / 60)
    history = Trainer(cfg, clock=FakeClock(10.0)).fit(fresh_model(0), train, val,
                                                      ScriptedTask([0.9, 0.5, 0.6, 0.55, 0.1, 0.1, 0.1]))
    assert len(history) == 4 and history.stopped_by == "early_stopping" and history.stopped_early


def test_time_budget_stop_can_be_resumed(tmp_path):
    train, val = datasets()
    cfg = dict(epochs=5, batch_size=8, checkpoint_dir=tmp_path, max_minutes=1.0)
    first = Trainer(TrainConfig(**cfg), clock=FakeClock(10.0)).fit(fresh_model(0), train, val, ClassificationTask())
    assert len(first) == 3 and first.stopped_by == "time_budget"
    rest = Trainer(TrainConfig(resume=True, **cfg), clock=FakeClock(1.0)).fit(fresh_model(0), train, val,
                                                                             ClassificationTask())
    assert len(rest) == 5 and rest.stopped_by == "epochs"
    assert rest.rows[:3] == first.rows


@pytest.mark.parametrize("value", [0, -1.0, float("inf"), float("nan"), True, "5"])
def test_max_minutes_validation(value):
    with pytest.raises(ValueError, match="max_minutes"):
        TrainConfig(max_minutes=value)


def test_stopped_by_round_trips_and_reads_old_histories():
    history = History(monitor="val_loss", stopped_by="time_budget")
    assert History.from_dict(history.to_dict()) == history
    old = {"rows": [], "monitor": "val_loss", "best_epoch": None, "stopped_early": True}
    assert History.from_dict(old).stopped_by == "early_stopping"
    with pytest.raises(ValueError, match="stopped_by"):
        History(stopped_by="timeout")
