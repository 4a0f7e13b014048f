"""CNN backbones behind one contract: a registry name → a module with ``dim`` and ``embed``.

Every backbone is a torchvision classification network whose classification head is cut off,
so that its output is the penultimate representation:

* ResNet-18/34/50 (He et al. 2016, doi:10.1109/CVPR.2016.90): the globally average-pooled
  output of the last stage, ``dim`` = 512 / 512 / 2048 (``fc`` removed).
* VGG-16 (Simonyan & Zisserman 2015, arXiv:1409.1556): ``features`` → adaptive average pool
  (7×7) → flatten → ``classifier`` up to and including the *second* ReLU, ``dim`` = 4096
  (the second 4096-unit fully connected layer, "fc7", after its ReLU). The dropout between
  the two fully connected layers is inactive in :meth:`Backbone.embed` (eval mode).

``dim`` is known from the registry without a forward pass. More backbones are added with the
:func:`register_backbone` decorator::

    @register_backbone("resnet101", dim=2048, first_conv="conv1", head="fc")
    def _resnet101():
        model = tv_models.resnet101()
        model.fc = nn.Identity()
        return model

Input channels (``in_chans``) and ``channel_mode``:

* ``"replicate"`` (default): a 1-channel input is repeated to 3 channels before the unchanged
  RGB network; 3-channel inputs pass as they are. Only ``in_chans`` 1 or 3.
* ``"adapt"``: the first convolution is replaced by one taking ``in_chans`` channels, its
  kernel derived from the (pretrained or random) RGB kernel as in timm's
  ``adapt_input_conv`` (Wightman, *PyTorch Image Models*, 2019,
  doi:10.5281/zenodo.4414861): 1 channel — sum of the RGB kernels (so a grey image gives
  exactly the response of its 3-channel replicate); ``k`` ≠ 3 channels — the RGB kernels
  repeated cyclically to ``k`` channels and scaled by ``3 / k`` (so ``k`` = 6 on an RGB image
  stacked twice gives exactly the RGB response); 3 channels — unchanged.
  Use it for any channel count, e.g. all three LGG MRI sequences or a single one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from features._validation import check_choice, check_positive_int
from hybrid.compat import tv_models
from hybrid.deep.weights import resolve_state_dict

__all__ = [
    "BACKBONES",
    "Backbone",
    "BackboneSpec",
    "adapt_input_conv",
    "available_backbones",
    "create_backbone",
    "register_backbone",
]

CHANNEL_MODES = ("replicate", "adapt")


@dataclass(frozen=True)
class BackboneSpec:
    """Registry entry: how to build a headless torchvision network and what it outputs.

    Attributes
    ----------
    name : str
        Registry name, also the torchvision model name used to resolve weights names.
    dim : int
        Length of the embedding.
    build : callable
        ``build() -> nn.Module``: the torchvision network with its head removed, randomly
        initialised, whose ``forward`` returns ``(n, dim)``.
    first_conv : str
        Dotted path of the first convolution (``"conv1"``, ``"features.0"``).
    head : str
        Dotted prefix of the removed head's parameters in a full torchvision ``state_dict``
        (``"fc"``, ``"classifier.6"``); those keys are ignored when loading weights.
    """

    name: str
    dim: int
    build: Callable[[], nn.Module]
    first_conv: str
    head: str


BACKBONES: dict[str, BackboneSpec] = {}


def register_backbone(name: str, *, dim: int, first_conv: str, head: str):
    """Decorator adding a headless-network builder to :data:`BACKBONES` under ``name``."""

    def decorator(build: Callable[[], nn.Module]) -> Callable[[], nn.Module]:
        if name in BACKBONES:
            raise ValueError(f"backbone {name!r} is already registered")
        BACKBONES[name] = BackboneSpec(name=name, dim=int(dim), build=build, first_conv=first_conv, head=head)
        return build

    return decorator


def available_backbones() -> list[str]:
    """Sorted registry names."""
    return sorted(BACKBONES)


def _headless_resnet(factory: Callable[[], nn.Module]) -> nn.Module:
    model = factory()
    model.fc = nn.Identity()
    return model


@register_backbone("resnet18", dim=512, first_conv="conv1", head="fc")
def _resnet18() -> nn.Module:
    return _headless_resnet(tv_models.resnet18)


@register_backbone("resnet34", dim=512, first_conv="conv1", head="fc")
def _resnet34() -> nn.Module:
    return _headless_resnet(tv_models.resnet34)


@register_backbone("resnet50", dim=2048, first_conv="conv1", head="fc")
def _resnet50() -> nn.Module:
    return _headless_resnet(tv_models.resnet50)


@register_backbone("vgg16", dim=4096, first_conv="features.0", head="classifier.6")
def _vgg16() -> nn.Module:
    model = tv_models.vgg16()
    # classifier = [Linear(25088, 4096), ReLU, Dropout, Linear(4096, 4096), ReLU, Dropout, Linear(4096, 1000)]
    model.classifier = model.classifier[:5]  # up to the second ReLU -> 4096
    return model


def adapt_input_conv(weight: torch.Tensor, in_chans: int) -> torch.Tensor:
    """Derive a first-convolution kernel for ``in_chans`` inputs from an RGB kernel.

    Follows timm's ``adapt_input_conv`` (Wightman 2019, doi:10.5281/zenodo.4414861).

    Parameters
    ----------
    weight : Tensor, shape (out, 3, kh, kw)
        The RGB kernel.
    in_chans : int
        Wanted number of input channels (>= 1).

    Returns
    -------
    Tensor, shape (out, in_chans, kh, kw)
        ``in_chans == 1``: ``weight.sum(1)``; ``in_chans == 3``: ``weight``; otherwise the RGB
        kernels repeated cyclically to ``in_chans`` and multiplied by ``3 / in_chans``.

    Examples
    --------
    >>> w = torch.ones(2, 3, 1, 1)
    >>> adapt_input_conv(w, 1).flatten().tolist()
    [3.0, 3.0]
    >>> adapt_input_conv(w, 6)[0, :, 0, 0].tolist()
    [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    """
    in_chans = check_positive_int(in_chans, "in_chans")
    if weight.ndim != 4 or weight.shape[1] != 3:
        raise ValueError(f"adapt_input_conv expects an RGB kernel (out, 3, kh, kw), got shape {tuple(weight.shape)}")
    dtype = weight.dtype
    w = weight.detach().float()
    if in_chans == 1:
        w = w.sum(dim=1, keepdim=True)
    elif in_chans != 3:
        repeat = math.ceil(in_chans / 3)
        w = w.repeat(1, repeat, 1, 1)[:, :in_chans] * (3.0 / in_chans)
    return w.to(dtype).clone()


def _set_module(root: nn.Module, path: str, module: nn.Module) -> None:
    parent_path, _, leaf = path.rpartition(".")
    parent = root.get_submodule(parent_path) if parent_path else root
    setattr(parent, leaf, module)


def _adapt_first_conv(trunk: nn.Module, path: str, in_chans: int) -> None:
    conv = trunk.get_submodule(path)
    if not isinstance(conv, nn.Conv2d):  # pragma: no cover - registry error
        raise TypeError(f"{path} is not a Conv2d but {type(conv).__name__}")
    new = nn.Conv2d(
        in_chans,
        conv.out_channels,
        kernel_size=conv.kernel_size,
        stride=conv.stride,
        padding=conv.padding,
        dilation=conv.dilation,
        groups=conv.groups,
        bias=conv.bias is not None,
        padding_mode=conv.padding_mode,
    )
    with torch.no_grad():
        new.weight.copy_(adapt_input_conv(conv.weight, in_chans))
        if conv.bias is not None:
            new.bias.copy_(conv.bias)
    _set_module(trunk, path, new)


def _align_state_dict(
    state_dict: dict[str, torch.Tensor], spec: BackboneSpec, trunk: nn.Module
) -> dict[str, torch.Tensor]:
    """Strip any wrapper prefix (``module.``, ``trunk.``, ``backbone.trunk.`` …) and the head's keys.

    The prefix is found from the first convolution's weight: the shortest key ending in
    ``<first_conv>.weight``.
    """
    anchor = f"{spec.first_conv}.weight"
    candidates = sorted((k for k in state_dict if k == anchor or k.endswith("." + anchor)), key=len)
    if not candidates:
        raise ValueError(
            f"weights do not look like a {spec.name} state_dict: no key ending in {anchor!r} "
            f"(first keys: {list(state_dict)[:5]})"
        )
    prefix = candidates[0][: -len(anchor)]
    out = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    expected = set(trunk.state_dict())
    head = spec.head + "."
    return {k: v for k, v in out.items() if k in expected or not k.startswith(head)}


class Backbone(nn.Module):
    """A headless CNN: ``forward`` (differentiable) and ``embed`` (batched inference) → ``(n, dim)``.

    Build it with :func:`create_backbone`. Attributes: ``name``, ``dim``, ``in_chans``,
    ``channel_mode`` and ``trunk`` (the headless torchvision network; its parameters are what
    a fine-tuning model trains).
    """

    def __init__(self, name: str, trunk: nn.Module, dim: int, in_chans: int, channel_mode: str):
        super().__init__()
        self.name = name
        self.dim = int(dim)
        self.in_chans = int(in_chans)
        self.channel_mode = channel_mode
        self.trunk = trunk

    def _check_input(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.ndim != 4:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"{self.name}: x must be a Tensor of shape (n, C, H, W), got {shape}")
        if x.shape[1] != self.in_chans:
            raise ValueError(
                f"{self.name}: x has {x.shape[1]} channels but the backbone was created with "
                f"in_chans={self.in_chans} (channel_mode={self.channel_mode!r})"
            )
        if not x.is_floating_point():
            raise ValueError(f"{self.name}: x must be a floating-point tensor, got {x.dtype}")
        if self.channel_mode == "replicate" and self.in_chans == 1:
            x = x.expand(-1, 3, -1, -1)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features ``(n, dim)`` with autograd (for fine-tuning); mode as set by the caller."""
        return self.trunk(self._check_input(x))

    def embed(self, x: torch.Tensor, batch_size: int = 32) -> torch.Tensor:
        """Penultimate features ``(n, dim)`` for inference.

        Runs in eval mode (dropout off, batch-norm running statistics) under
        :func:`torch.inference_mode`, in ``batch_size`` chunks, with channels-last memory format;
        the module's train/eval flag is restored afterwards. Returns float32 on the CPU.
        """
        batch_size = check_positive_int(batch_size, "batch_size")
        x = self._check_input(x)
        param = next(self.trunk.parameters())
        was_training = self.training
        self.eval()
        try:
            outs = []
            with torch.inference_mode():
                for start in range(0, x.shape[0], batch_size):
                    chunk = x[start : start + batch_size].to(device=param.device, dtype=param.dtype)
                    chunk = chunk.contiguous(memory_format=torch.channels_last)
                    outs.append(self.trunk(chunk).float().cpu())
        finally:
            self.train(was_training)
        if not outs:
            return torch.empty(0, self.dim)
        return torch.cat(outs)

    def extra_repr(self) -> str:
        return f"name={self.name!r}, dim={self.dim}, in_chans={self.in_chans}, channel_mode={self.channel_mode!r}"


def create_backbone(
    name: str,
    weights: Any = None,
    in_chans: int = 3,
    channel_mode: str = "replicate",
    *,
    seed: int | None = 0,
    download: bool | None = None,
) -> Backbone:
    """Build a registered backbone.

    Parameters
    ----------
    name : str
        A key of :data:`BACKBONES` (``"resnet18"``, ``"resnet34"``, ``"resnet50"``, ``"vgg16"``).
    weights : None, str or path-like
        ``None`` (random init), a local ``state_dict``/checkpoint file, or a torchvision weights
        name (``"DEFAULT"``, ``"IMAGENET1K_V1"``) read from the torch hub cache; see
        :mod:`hybrid.deep.weights`. A file may hold a 3-channel (RGB) first convolution or,
        for ``channel_mode="adapt"``, one with ``in_chans`` channels (a saved adapted model).
    in_chans : int
        Channels of the input tensors.
    channel_mode : {"replicate", "adapt"}
        How inputs other than RGB are handled (module docstring).
    seed : int or None
        Seed of the random initialisation (applied in a forked RNG, the global torch RNG is
        untouched); ``None`` uses the global RNG.
    download : bool, optional
        Let torch hub download named weights absent from the cache (default: no).

    Returns
    -------
    Backbone
        In eval mode, channels-last memory format, on the CPU.

    Examples
    --------
    >>> net = create_backbone("resnet18", in_chans=1)
    >>> net.dim
    512
    >>> tuple(net.embed(torch.zeros(2, 1, 32, 32)).shape)
    (2, 512)
    """
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; available: {available_backbones()}")
    in_chans = check_positive_int(in_chans, "in_chans")
    check_choice(channel_mode, "channel_mode", CHANNEL_MODES)
    if channel_mode == "replicate" and in_chans not in (1, 3):
        raise ValueError(
            f"channel_mode='replicate' supports in_chans 1 or 3, got {in_chans}; use channel_mode='adapt' "
            "to build a first convolution for any number of channels"
        )
    spec = BACKBONES[name]
    state_dict = resolve_state_dict(name, weights, download=download)
    with torch.random.fork_rng(devices=[], enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        trunk = spec.build()
        adapt = channel_mode == "adapt" and in_chans != 3
        if state_dict is not None:
            state_dict = _align_state_dict(state_dict, spec, trunk)
            file_chans = state_dict[f"{spec.first_conv}.weight"].shape[1]
            if adapt and file_chans == in_chans:  # a saved adapted model: adapt first, then load
                _adapt_first_conv(trunk, spec.first_conv, in_chans)
                adapt = False
            elif file_chans != 3:
                raise ValueError(
                    f"weights have a {file_chans}-channel first convolution; expected 3 (RGB) or, with "
                    f"channel_mode='adapt', in_chans={in_chans}"
                )
            trunk.load_state_dict(state_dict, strict=True)
        if adapt:
            _adapt_first_conv(trunk, spec.first_conv, in_chans)
    net = Backbone(name, trunk, spec.dim, in_chans, channel_mode)
    net.to(memory_format=torch.channels_last)
    return net.eval()

