"""torchvision imports through hybrid.compat on this CPU-only torch, and its models run."""

import pytest
import torch


def test_resnet18_forward_through_compat():
    from hybrid.compat import tv_models

    torch.manual_seed(0)
    model = tv_models.resnet18(weights=None).eval()
    with torch.inference_mode():
        out = model(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 1000)
    assert torch.isfinite(out).all()


def test_transforms_v2_joint_image_and_mask():
    from hybrid.compat import tv_transforms, tv_tv_tensors

    img = tv_tv_tensors.Image(torch.arange(16, dtype=torch.float32).reshape(1, 4, 4))
    mask = tv_tv_tensors.Mask(torch.eye(4, dtype=torch.uint8)[None])
    out_img, out_mask = tv_transforms.RandomHorizontalFlip(p=1.0)(img, mask)
    assert torch.equal(out_img[0], img[0].flip(-1))
    assert torch.equal(out_mask[0], mask[0].flip(-1))


def test_nms_has_no_cpu_kernel_unless_native():
    from hybrid.compat import TORCHVISION_NATIVE_OPS, torchvision

    boxes = torch.tensor([[0.0, 0.0, 1.0, 1.0]])
    scores = torch.tensor([1.0])
    if TORCHVISION_NATIVE_OPS:
        assert torchvision.ops.nms(boxes, scores, 0.5).tolist() == [0]
    else:
        with pytest.raises((RuntimeError, NotImplementedError)):
            torchvision.ops.nms(boxes, scores, 0.5)


def test_no_cuda_wheels_installed():
    from importlib import metadata

    names = {d.metadata["Name"].lower() for d in metadata.distributions() if d.metadata["Name"]}
    assert not [n for n in names if n.startswith("nvidia-")], "CUDA wheels were installed"
