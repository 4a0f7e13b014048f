"""CNNEmbeddings: the scikit-learn transformer over images."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

from hybrid.deep import CNNEmbeddings, create_backbone, normalize_batch
from hybrid.data.tensors import to_tensor_batch

SIZE = 32




def _images(n=3, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(40, 50), (30, 30), (64, 41)]
    return [rng.integers(0, 256, shapes[i % 3], dtype=np.uint8) for i in range(n)]


def test_shapes_names_and_lazy_network():
    emb = CNNEmbeddings("resnet18", image_size=SIZE)
    assert "backbone_" not in emb.__dict__  # nothing built in __init__
    X = emb.fit_transform(_images())
    assert X.shape == (3, 512) and X.dtype == np.float64 and np.isfinite(X).all()
    assert emb.n_features_out_ == 512 and emb.in_chans_ == 1
    names = emb.get_feature_names_out()
    assert names[0] == "resnet18_0" and names[-1] == "resnet18_511" and len(names) == 512


def test_equals_backbone_on_the_documented_preprocessing():
    ims = _images()
    X = CNNEmbeddings("resnet18", image_size=SIZE, random_state=3).fit_transform(ims)
    net = create_backbone("resnet18", in_chans=1, seed=3)
    ref = net.embed(normalize_batch(to_tensor_batch(ims, SIZE, channels=None)))
    np.testing.assert_allclose(X, ref.numpy(), rtol=1e-5, atol=1e-6)


def test_deterministic_across_instances_batches_and_clones():
    ims = _images(5)
    a = CNNEmbeddings("resnet18", image_size=SIZE, batch_size=2).fit_transform(ims)
    b = clone(CNNEmbeddings("resnet18", image_size=SIZE, batch_size=5)).fit(ims[:1]).transform(ims)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    c = CNNEmbeddings("resnet18", image_size=SIZE, random_state=1).fit_transform(ims)
    assert not np.allclose(a, c)


def test_dtypes_are_scaled_to_unit_range():
    im8 = _images(1)[0]
    variants = [im8, im8.astype(np.uint16) * 257, im8.astype(np.float32) / 255.0]
    X = CNNEmbeddings("resnet18", image_size=SIZE).fit_transform(variants)
    np.testing.assert_allclose(X[1], X[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(X[2], X[0], rtol=1e-4, atol=1e-5)


def test_channel_selection_for_mri_sequences():
    rng = np.random.default_rng(1)
    slices = [rng.integers(0, 256, (48, 48, 3), dtype=np.uint8) for _ in range(2)]
    flair = CNNEmbeddings("resnet18", image_size=SIZE, channels=1).fit(slices)
    assert flair.in_chans_ == 1
    np.testing.assert_allclose(
        flair.transform(slices),
        CNNEmbeddings("resnet18", image_size=SIZE).fit_transform([s[..., 1] for s in slices]),
        rtol=1e-5, atol=1e-6,
    )
    assert CNNEmbeddings("resnet18", image_size=SIZE).fit(slices).in_chans_ == 3
    with pytest.raises(ValueError, match="channel_mode='adapt'"):
        CNNEmbeddings("resnet18", image_size=SIZE, channels=[0, 2]).fit(slices)
    two = CNNEmbeddings("resnet18", image_size=SIZE, channels=[0, 2], channel_mode="adapt").fit_transform(slices)
    assert two.shape == (2, 512)
    with pytest.raises(ValueError, match=r"X\[0\].*out of range"):
        CNNEmbeddings("resnet18", image_size=SIZE, channels=5).fit(slices)


def test_bad_images_are_named():
    emb = CNNEmbeddings("resnet18", image_size=SIZE).fit(_images(1))
    bad = _images(2) + [np.full((20, 20), np.nan, np.float32)]
    with pytest.raises(ValueError, match=r"X\[2\].*NaN"):
        emb.transform(bad)
    with pytest.raises(ValueError, match=r"X\[1\] has 3 channel"):
        emb.transform([_images(1)[0], np.zeros((20, 20, 3), np.uint8)])
    with pytest.raises(ValueError, match="empty"):
        emb.transform([])
    with pytest.raises(ValueError, match="backbone must be one of"):
        CNNEmbeddings("alexnet").fit(_images(1))


def test_pickle_drops_the_network_and_rebuilds_it_identically():
    ims = _images()
    emb = CNNEmbeddings("resnet18", image_size=SIZE).fit(ims)
    blob = pickle.dumps(emb)
    assert len(blob) < 10_000  # parameters only, not 11M weights
    again = pickle.loads(blob)
    np.testing.assert_allclose(again.transform(ims), emb.transform(ims), rtol=1e-6, atol=1e-7)


def test_weights_file_is_pinned_by_its_digest(tmp_path):
    path = tmp_path / "w.pth"
    torch.save(create_backbone("resnet18", seed=7).state_dict(), path)
    emb = CNNEmbeddings("resnet18", weights=path, image_size=SIZE).fit(_images(1))
    assert len(emb.weights_sha256_) == 64
    torch.save(create_backbone("resnet18", seed=8).state_dict(), path)
    restored = pickle.loads(pickle.dumps(emb))
    with pytest.raises(ValueError, match="changed since"):
        restored.transform(_images(1))


def test_n_threads_is_restored():
    before = torch.get_num_threads()
    CNNEmbeddings("resnet18", image_size=SIZE, n_threads=1, progress=True).fit_transform(_images(1))
    assert torch.get_num_threads() == before


@pytest.mark.realdata
def test_real_busi_and_lgg(busi_image, lgg_slice):
    image, _ = lgg_slice
    X = CNNEmbeddings("resnet18", image_size=SIZE).fit_transform([busi_image, busi_image[::2, ::2]])
    assert X.shape == (2, 512) and np.isfinite(X).all()
    Y = CNNEmbeddings("resnet18", image_size=SIZE, channel_mode="adapt").fit_transform([image])
    assert Y.shape == (1, 512) and np.isfinite(Y).all()
