"""Weights: local state_dict files, checkpoints, the torch hub cache, and failing fast offline."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hybrid.compat import tv_models
from hybrid.deep.backbones import create_backbone
from hybrid.deep.weights import WeightsNotAvailableError, cached_weights_path, torchvision_weights




@pytest.fixture(scope="module")
def source():
    """A torchvision resnet18 initialised with another seed than create_backbone's default."""
    torch.manual_seed(1234)
    model = tv_models.resnet18().eval()
    return model


def _penultimate(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Reference: torchvision's forward up to the global average pool (independent of our trunk)."""
    m = model
    with torch.no_grad():
        h = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        h = m.layer4(m.layer3(m.layer2(m.layer1(h))))
        return torch.flatten(m.avgpool(h), 1)


X = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))


def test_state_dict_file_gives_the_source_models_penultimate_output(tmp_path, source):
    path = tmp_path / "resnet18_state.pth"
    torch.save(source.state_dict(), path)
    net = create_backbone("resnet18", weights=path)
    torch.testing.assert_close(net.embed(X), _penultimate(source, X), rtol=1e-4, atol=1e-5)
    random_init = create_backbone("resnet18")
    assert not torch.allclose(random_init.embed(X), net.embed(X))


def test_checkpoint_mapping_with_prefix_and_adapted_conv_round_trip(tmp_path, source):
    path = tmp_path / "rgb.pth"
    torch.save(source.state_dict(), path)
    adapted = create_backbone("resnet18", weights=path, in_chans=1, channel_mode="adapt")
    ckpt = tmp_path / "ckpt.pt"
    torch.save({"state_dict": {f"module.{k}": v for k, v in adapted.state_dict().items()}, "epoch": 3}, ckpt)
    again = create_backbone("resnet18", weights=str(ckpt), in_chans=1, channel_mode="adapt", seed=99)
    x1 = X[:, :1]
    torch.testing.assert_close(again.embed(x1), adapted.embed(x1))
    with pytest.raises(ValueError, match="1-channel first convolution"):
        create_backbone("resnet18", weights=ckpt)  # a 1-channel checkpoint cannot feed an RGB net


def test_trainer_checkpoint_of_a_classifier_loads_its_backbone(tmp_path, source):
    # trainer form: {"model": state_dict of a net holding the backbone as `backbone`, plus a head}
    state = {f"backbone.trunk.{k}": v for k, v in source.state_dict().items() if not k.startswith("fc.")}
    state["head.weight"], state["head.bias"] = torch.zeros(2, 512), torch.zeros(2)
    path = tmp_path / "best.pt"
    torch.save({"model": state, "epoch": 4, "value": 0.8}, path)
    net = create_backbone("resnet18", weights=path)
    torch.testing.assert_close(net.embed(X), _penultimate(source, X), rtol=1e-4, atol=1e-5)


def test_named_weights_are_read_from_the_hub_cache(tmp_path, monkeypatch, source):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    enum = torchvision_weights("resnet18", "DEFAULT")
    cached = cached_weights_path(enum)
    assert cached == tmp_path / "checkpoints" / "resnet18-f37072fd.pth"
    cached.parent.mkdir()
    torch.save(source.state_dict(), cached)
    for name in ("DEFAULT", "IMAGENET1K_V1", "ResNet18_Weights.IMAGENET1K_V1"):
        net = create_backbone("resnet18", weights=name)
        torch.testing.assert_close(net.embed(X), _penultimate(source, X), rtol=1e-4, atol=1e-5)


def test_named_weights_offline_fail_fast_with_the_cache_path(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):  # pragma: no cover - reaching it is the failure
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", no_network)
    monkeypatch.delenv("TUMORTRACE_ALLOW_DOWNLOAD", raising=False)
    expected = str(tmp_path / "checkpoints" / "resnet50-11ad3fa6.pth")
    with pytest.raises(WeightsNotAvailableError) as info:
        create_backbone("resnet50", weights="IMAGENET1K_V2")
    assert expected in str(info.value)
    assert "download=True" in str(info.value)


def test_unknown_weights_name_lists_valid_names():
    with pytest.raises(ValueError, match="IMAGENET1K_V1"):
        create_backbone("resnet18", weights="IMAGENET_BEST")


def test_bad_files_are_named(tmp_path):
    missing = tmp_path / "nope.pth"
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        create_backbone("resnet18", weights=missing)
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="truncated.pth"):
        create_backbone("resnet18", weights=truncated)
    not_a_state_dict = tmp_path / "list.pth"
    torch.save([1, 2, 3], not_a_state_dict)
    with pytest.raises(ValueError, match="does not hold a state_dict"):
        create_backbone("resnet18", weights=not_a_state_dict)
    other_model = tmp_path / "other.pth"
    torch.save(nn.Linear(2, 2).state_dict(), other_model)
    with pytest.raises(ValueError, match="resnet18 state_dict"):
        create_backbone("resnet18", weights=other_model)


def test_pickled_objects_are_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("executed",))

    path = tmp_path / "evil.pth"
    torch.save({"state_dict": Evil()}, path)
    with pytest.raises(ValueError, match="weights_only"):
        create_backbone("resnet18", weights=path)
