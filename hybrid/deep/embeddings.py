"""CNN embeddings as a scikit-learn transformer: a list of images → ``(n, dim)`` features.

Pipeline per image: channel selection (``channels``) → conversion to float in [0, 1] and
resizing to ``image_size`` × ``image_size`` (:func:`hybrid.data.tensors.to_tensor_batch`) →
normalisation (``normalize``) → :meth:`hybrid.deep.backbones.Backbone.embed`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from features._base import as_image_list
from features._validation import check_choice, check_positive_int
from hybrid.data.preprocessing import select_channels
from hybrid.data.tensors import to_tensor_batch
from hybrid.deep.backbones import BACKBONES, CHANNEL_MODES, Backbone, available_backbones, create_backbone
from hybrid.deep.weights import file_sha256, is_weights_path

__all__ = ["CNNEmbeddings", "IMAGENET_MEAN", "IMAGENET_STD", "normalize_batch"]

#: ImageNet statistics of torchvision's pretrained weights (RGB, images in [0, 1]).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
NORMALIZATIONS = ("imagenet", None)


def normalize_batch(x: torch.Tensor, method: str | None = "imagenet") -> torch.Tensor:
    """Normalise a ``(n, C, H, W)`` batch in [0, 1].

    ``"imagenet"``: for C = 3, ``(x - mean_c) / std_c`` with the ImageNet statistics; for any
    other C, every channel uses the channel-averaged statistics (mean 0.449, std 0.226), the
    usual choice for grey images fed to RGB-pretrained networks. ``None``: unchanged.

    Examples
    --------
    >>> normalize_batch(torch.full((1, 3, 1, 1), 0.485)).flatten()[0].item()
    0.0
    """
    check_choice(method, "normalize", NORMALIZATIONS)
    if method is None:
        return x
    if x.shape[1] == 3:
        mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
    else:
        mean = torch.full((x.shape[1],), float(np.mean(IMAGENET_MEAN)))
        std = torch.full((x.shape[1],), float(np.mean(IMAGENET_STD)))
    return (x - mean.view(1, -1, 1, 1).to(x)) / std.view(1, -1, 1, 1).to(x)


def _selected(image: Any, channels: Any, name: str) -> np.ndarray:
    """``image`` with the chosen channels, always ``(H, W, k)``; errors name the image."""
    try:
        arr = select_channels(np.asarray(image), channels)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name} has shape {arr.shape}; expected (H, W) or (H, W, C)")
    return arr[:, :, None] if arr.ndim == 2 else arr


@contextlib.contextmanager
def _torch_threads(n: int | None):
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class CNNEmbeddings(TransformerMixin, BaseEstimator):
    """Penultimate-layer CNN features of images, as a scikit-learn transformer.

    Parameters
    ----------
    backbone : str
        Registry name (:data:`hybrid.deep.backbones.BACKBONES`): ``"resnet18"``, ``"resnet34"``,
        ``"resnet50"``, ``"vgg16"``.
    weights : None, str or path-like
        ``None`` = random initialisation seeded by ``random_state`` (a fixed random projection:
        a baseline, not a pretrained model), a local ``state_dict`` file, or a torchvision
        weights name (``"DEFAULT"``) found in the torch hub cache. See :mod:`hybrid.deep.weights`.
    image_size : int
        Every image is resized to ``image_size`` × ``image_size`` (OpenCV area interpolation when
        shrinking, bilinear when enlarging; aspect ratio not kept — crop first, e.g. with :func:`hybrid.data.preprocessing.roi_crop`).
    batch_size : int
        Images per forward pass (bounds memory).
    channel_mode : {"replicate", "adapt"}
        How non-RGB inputs meet the RGB network; see :mod:`hybrid.deep.backbones`.
    channels : None, int or sequence of int
        Modality selection: which channels of ``(H, W, C)`` images to use. ``None`` = all
        (a 2-D image has one). For LGG slices (pre-contrast, FLAIR, post-contrast) compare
        ``channels=0``, ``channels=1`` (FLAIR), ``channels=2`` and ``channels=None`` (all three);
        a single channel is replicated to RGB (``channel_mode="replicate"``) or fed to an adapted
        first convolution (``"adapt"``). Two channels need ``channel_mode="adapt"``.
    normalize : {"imagenet", None}
        Input normalisation (:func:`normalize_batch`).
    n_threads : int, optional
        torch intra-op threads during ``transform`` (restored afterwards); ``None`` leaves the
        global setting.
    progress : bool
        tqdm bar over batches.
    random_state : int
        Seed of the random initialisation (weights=None, and the adapted first convolution).

    Attributes
    ----------
    backbone_ : Backbone
        The network, built in ``fit`` (not pickled: rebuilt on demand from the parameters; a
        weights file is then checked against ``weights_sha256_``).
    n_features_out_ : int
        ``dim`` of the backbone.
    in_chans_ : int
        Channels after selection, fixed at ``fit``.
    weights_sha256_ : str or None
        Digest of the weights file when ``weights`` is a path.

    Notes
    -----
    Deterministic: the same parameters give the same features (seeded initialisation, eval
    mode). Resizing happens per image, so images may differ in size and dtype (uint8 / 255,
    uint16 / 65535, bool as 0/1, floats must lie in [0, 1]; see
    :func:`hybrid.data.tensors.to_unit_float`).

    Examples
    --------
    >>> emb = CNNEmbeddings("resnet18", image_size=32)
    >>> X = emb.fit_transform([np.zeros((40, 50), np.uint8), np.ones((30, 30), np.uint8)])
    >>> X.shape, emb.get_feature_names_out()[:2].tolist()
    ((2, 512), ['resnet18_0', 'resnet18_1'])
    """

    def __init__(
        self,
        backbone: str = "resnet18",
        weights: Any = None,
        image_size: int = 224,
        batch_size: int = 32,
        channel_mode: str = "replicate",
        channels: int | Sequence[int] | None = None,
        normalize: str | None = "imagenet",
        n_threads: int | None = None,
        progress: bool = False,
        random_state: int = 0,
    ):
        self.backbone = backbone
        self.weights = weights
        self.image_size = image_size
        self.batch_size = batch_size
        self.channel_mode = channel_mode
        self.channels = channels
        self.normalize = normalize
        self.n_threads = n_threads
        self.progress = progress
        self.random_state = random_state

    # -- helpers -----------------------------------------------------------------------------
    def _validate_params(self) -> None:
        if self.backbone not in BACKBONES:
            raise ValueError(f"backbone must be one of {available_backbones()}, got {self.backbone!r}")
        check_positive_int(self.image_size, "image_size", minimum=8)
        check_positive_int(self.batch_size, "batch_size")
        check_choice(self.channel_mode, "channel_mode", CHANNEL_MODES)
        check_choice(self.normalize, "normalize", NORMALIZATIONS)
        if self.n_threads is not None:
            check_positive_int(self.n_threads, "n_threads")

    def _build(self) -> Backbone:
        with _torch_threads(self.n_threads):
            return create_backbone(
                self.backbone, self.weights, in_chans=self.in_chans_, channel_mode=self.channel_mode,
                seed=self.random_state,
            )

    def _network(self) -> Backbone:
        net = self.__dict__.get("backbone_")
        if net is None:  # unpickled: rebuild from the parameters
            if self.weights_sha256_ is not None and file_sha256(self.weights) != self.weights_sha256_:
                raise ValueError(
                    f"weights file {str(self.weights)!r} changed since this CNNEmbeddings was fitted "
                    "(SHA-256 differs); refit it"
                )
            net = self.backbone_ = self._build()
        return net

    def _prepare(self, images: list[np.ndarray], offset: int) -> torch.Tensor:
        tensors = []
        for i, im in enumerate(images):
            name = f"X[{offset + i}]"
            arr = _selected(im, self.channels, name)
            if arr.shape[2] != self.in_chans_:
                raise ValueError(
                    f"{name} has {arr.shape[2]} channel(s) after selection (channels={self.channels!r}); "
                    f"this CNNEmbeddings was fitted on {self.in_chans_}"
                )
            try:
                tensors.append(to_tensor_batch([arr], self.image_size, channels=None))
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from exc
        return normalize_batch(torch.cat(tensors), self.normalize)

    # -- scikit-learn API ---------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> "CNNEmbeddings":
        """Fix the channel count from ``X[0]`` and build the network (no learning happens)."""
        self._validate_params()
        ims = as_image_list(X, "X")
        if not ims:
            raise ValueError("X is empty; expected at least one image")
        self.in_chans_ = _selected(ims[0], self.channels, "X[0]").shape[2]
        if self.channel_mode == "replicate" and self.in_chans_ not in (1, 3):
            raise ValueError(
                f"images have {self.in_chans_} channel(s) after selection (channels={self.channels!r}); "
                "channel_mode='replicate' needs 1 or 3 — use channel_mode='adapt'"
            )
        self.weights_sha256_ = file_sha256(self.weights) if is_weights_path(self.weights) else None
        self.backbone_ = self._build()
        self.n_features_out_ = self.backbone_.dim
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Embeddings ``(n, dim)`` float64."""
        check_is_fitted(self, "n_features_out_")
        ims = as_image_list(X, "X")
        if not ims:
            raise ValueError("X is empty; expected at least one image")
        net = self._network()
        starts = range(0, len(ims), self.batch_size)
        if self.progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc=f"{self.backbone} embeddings", unit="batch")
        out = []
        with _torch_threads(self.n_threads):
            for s in starts:
                batch = self._prepare(ims[s : s + self.batch_size], s)
                out.append(net.embed(batch, batch_size=self.batch_size).numpy())
        return np.concatenate(out).astype(np.float64)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        return np.asarray([f"{self.backbone}_{i}" for i in range(self.n_features_out_)], dtype=object)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("backbone_", None)  # rebuilt on demand: keeps pickles/skops files small and torch-free
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags
