"""FusedCNNClassifier: features extracted once, standardised on the training split, frozen backbone."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import hybrid.models.fused as fused_module
from features.handcrafted import HandcraftedFeatures
from hybrid.data.synthetic import make_phantoms
from hybrid.models.fused import FusedCNNClassifier, FusedNet


HANDCRAFTED = {"extractors": ("sobel",), "image_size": 32}
FAST = dict(image_size=32, epochs=2, batch_size=4, hidden=16, handcrafted=HANDCRAFTED, random_state=0)


@pytest.fixture(scope="module")
def phantoms():
    return make_phantoms(12, size=48, seed=4, difficulty=0.2)


class CountingExtractor(HandcraftedFeatures):
    """Counts the images passed to transform (to check extraction happens once per image)."""

    seen: list[int] = []

    def transform(self, X):
        CountingExtractor.seen.append(len(X))
        return super().transform(X)


def test_features_extracted_once_and_standardised_on_training_split(phantoms, monkeypatch):
    CountingExtractor.seen = []
    monkeypatch.setattr(fused_module, "handcrafted_extractor", lambda params: CountingExtractor(**params))
    clf = FusedCNNClassifier(val_fraction=0.25, augmentation="B", **FAST)
    clf.fit(phantoms.images, phantoms.labels, groups=phantoms.groups)
    assert CountingExtractor.seen == [12]  # one pass over the fit images, not one per epoch
    assert len(clf.history_) == 2

    y_enc = np.searchsorted(clf.classes_, phantoms.labels)
    train_idx, val_idx = clf._split(y_enc, phantoms.groups)  # same seed -> the split fit used
    assert len(train_idx) == clf.n_train_ and len(val_idx) == clf.n_val_ > 0
    reference = HandcraftedFeatures(**HANDCRAFTED).fit_transform([phantoms.images[i] for i in train_idx])
    assert clf.n_handcrafted_ == reference.shape[1]
    std = reference.std(axis=0)  # population std (ddof=0); zero std -> 1
    assert np.allclose(clf.model_.feature_mean.numpy(), reference.mean(axis=0), rtol=1e-5, atol=1e-5)
    assert np.allclose(clf.model_.feature_std.numpy(), np.where(std > 0, std, 1), rtol=1e-4, atol=1e-5)

    proba = clf.predict_proba(phantoms.images[:5])
    assert proba.shape == (5, 2) and np.allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(phantoms.images)) <= set(phantoms.labels)


def test_freeze_backbone_trains_only_the_head(phantoms):
    clf = FusedCNNClassifier(freeze_backbone=True, val_fraction=0, augmentation=None, **FAST)
    clf.fit(phantoms.images[:8], phantoms.labels[:8])
    untrained = clf._new_network()  # same seed: the initial weights
    trained = clf.model_.state_dict()
    for key, value in untrained.state_dict().items():
        if key.startswith("backbone."):
            assert torch.equal(value, trained[key]), key  # weights AND batch-norm statistics
    assert not torch.equal(untrained.state_dict()["head.0.weight"], trained["head.0.weight"])


def test_fused_net_standardisation_and_train_mode():
    from hybrid.deep import create_backbone

    net = FusedNet(create_backbone("resnet18"), n_features=3, n_classes=2, hidden=4, freeze_backbone=True)
    feats = torch.tensor([[1.0, 5.0, 2.0], [3.0, 5.0, 4.0]])
    net.set_standardization(feats)
    assert net.feature_mean.tolist() == [2.0, 5.0, 3.0]
    assert net.feature_std.tolist() == [1.0, 1.0, 1.0]  # constant column: std 0 -> 1 (centred only)
    net.train()
    assert net.head.training and not net.backbone.training
    assert all(not p.requires_grad for p in net.backbone.parameters())
    assert net(torch.rand(2, 3, 32, 32), feats).shape == (2, 2)


def test_bad_handcrafted_parameter(phantoms):
    with pytest.raises(ValueError, match="handcrafted"):
        FusedCNNClassifier(**{**FAST, "handcrafted": "hog"}).fit(phantoms.images[:4], phantoms.labels[:4])
