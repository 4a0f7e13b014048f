"""The per-extractor scikit-learn transformers (one image in, one fixed-length vector out).

Each wraps the public function of its extractor module on images of any size, after the one
channel rule of :func:`features._prepare.to_grey`:

* :class:`HOGFeatures` — :func:`features.hog.hog` (after resampling to ``image_size``);
* :class:`GLCMFeatures` — :func:`features.glcm.glcm_features`;
* :class:`LBPFeatures` — :func:`features.lbp.multiscale_lbp_histogram`;
* :class:`MVMLBPFeatures` — :func:`features.patterns.mvm_lbp_histogram`;
* :class:`MVMBPFeatures` — :func:`features.patterns.mvmbp_histogram`;
* :class:`SobelFeatures` — :func:`features.sobel.sobel_features`.

They live apart from the functions because scikit-learn is slow to import (about 2 s with
scikit-learn 1.9, which imports SciPy's stats and pandas): the functions and
:func:`features.vector.handcrafted_vector` work without it. The function modules re-export
their transformer lazily (``from features.hog import HOGFeatures`` works).
"""

from __future__ import annotations

import numpy as np

from ._base import ImageFeatures
from ._prepare import prepare_image, to_grey
from ._validation import check_choice, check_positive_int
from .glcm import _DEFAULT_ANGLES, GLCM_PROPS, glcm_feature_names, glcm_features
from .hog import hog, hog_shape
from .lbp import METHOD_TAGS, METHODS, _check_scales, _scale_tag, multiscale_lbp_histogram, n_lbp_codes
from .patterns import MVM_METHODS, N_MVMBP_CODES, mvm_lbp_histogram, mvmbp_histogram
from .sobel import DEFAULT_PERCENTILES, sobel_feature_names, sobel_features

__all__ = ["HOGFeatures", "GLCMFeatures", "LBPFeatures", "MVMLBPFeatures", "MVMBPFeatures", "SobelFeatures"]


class HOGFeatures(ImageFeatures):
    """HOG descriptors of a batch of images, as a scikit-learn transformer.

    HOG's length depends on the image size, so every image is first reduced to one grey
    channel and resampled to ``image_size x image_size`` (area weighting, dtype kept; see
    ``features._prepare``), then passed to :func:`features.hog.hog`.

    Parameters
    ----------
    orientations, pixels_per_cell, cells_per_block, block_norm, transform_sqrt
        As :func:`features.hog.hog`.
    image_size : int
        Side of the square every image is resampled to (default 128).
    channel : int, optional
        Channel of ``(H, W, C)`` images to use; None = mean over the channels
        (:func:`features._prepare.to_grey`).
    n_jobs : int, optional
        Parallel workers over images (joblib; -1 = all cores).
    progress : bool
        Show a progress bar.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ims = [rng.integers(0, 256, (40, 50), dtype=np.uint8) for _ in range(3)]
    >>> X = HOGFeatures(image_size=32, cells_per_block=(2, 2)).fit_transform(ims)
    >>> X.shape
    (3, 324)
    """

    def __init__(
        self,
        orientations: int = 9,
        pixels_per_cell: tuple[int, int] = (8, 8),
        cells_per_block: tuple[int, int] = (3, 3),
        block_norm: str = "L2-Hys",
        transform_sqrt: bool = False,
        image_size: int = 128,
        channel: int | None = None,
        n_jobs: int | None = None,
        progress: bool = False,
    ):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.transform_sqrt = transform_sqrt
        self.image_size = image_size
        self.channel = channel
        self.n_jobs = n_jobs
        self.progress = progress

    def _extract_one(self, image: np.ndarray) -> np.ndarray:
        size = check_positive_int(self.image_size, "image_size")
        grey = prepare_image(image, self.channel, size)
        return hog(
            grey,
            orientations=self.orientations,
            pixels_per_cell=self.pixels_per_cell,
            cells_per_block=self.cells_per_block,
            block_norm=self.block_norm,
            transform_sqrt=self.transform_sqrt,
        )

    def _feature_names(self) -> list[str]:
        shape = hog_shape((self.image_size, self.image_size), self.orientations, self.pixels_per_cell,
                          self.cells_per_block)
        return [f"hog_{i}" for i in range(int(np.prod(shape)))]


class GLCMFeatures(ImageFeatures):
    """scikit-learn transformer: :func:`features.glcm.glcm_features` of each image.

    Parameters are those of :func:`features.glcm.glcm_features`, plus ``channel`` (index into the last
    axis of (H, W, C) images; ``None`` averages the channels, rounded back to the input dtype
    so a 3-channel uint8 image stays uint8 — the rule of :mod:`features._prepare`), ``n_jobs`` and ``progress`` (see
    :func:`features._base.extract_batch`). Feature names look like ``"glcm_contrast_d1_mean"``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ims = [rng.integers(0, 256, (16, 16), dtype=np.uint8) for _ in range(3)]
    >>> t = GLCMFeatures(props=("contrast", "ASM")).fit(ims)
    >>> t.transform(ims).shape
    (3, 4)
    >>> list(t.get_feature_names_out()[:2])
    ['glcm_contrast_d1_mean', 'glcm_contrast_d1_range']
    """

    def __init__(
        self,
        levels: int = 32,
        distances=(1,),
        angles=_DEFAULT_ANGLES,
        props=GLCM_PROPS,
        summaries=("mean", "range"),
        symmetric: bool = True,
        quantization: str = "levels",
        bin_width: float | None = None,
        channel: int | None = None,
        n_jobs: int | None = None,
        progress: bool = False,
    ):
        self.levels = levels
        self.distances = distances
        self.angles = angles
        self.props = props
        self.summaries = summaries
        self.symmetric = symmetric
        self.quantization = quantization
        self.bin_width = bin_width
        self.channel = channel
        self.n_jobs = n_jobs
        self.progress = progress

    def _extract_one(self, image: np.ndarray) -> np.ndarray:
        return glcm_features(
            to_grey(image, self.channel),
            levels=self.levels,
            distances=self.distances,
            angles=self.angles,
            props=self.props,
            summaries=self.summaries,
            symmetric=self.symmetric,
            quantization=self.quantization,
            bin_width=self.bin_width,
        )

    def _feature_names(self) -> list[str]:
        return glcm_feature_names(self.distances, self.props, self.summaries)


class LBPFeatures(ImageFeatures):
    """Multi-scale LBP histograms as a scikit-learn transformer.

    Parameters
    ----------
    scales : sequence of (P, R)
        Scales, default ``((8, 1), (16, 2), (24, 3))``.
    method : {"uniform", "nri_uniform", "default", "ror"}
        Code definition (``var`` is excluded: no fixed bins; see :func:`features.lbp.lbp_histogram`).
    channel : int, optional
        Channel of ``(H, W, C)`` images to use; ``None`` averages the channels (the one
        channel rule, :func:`features._prepare.to_grey`: integer images are rounded back to
        their dtype).
    n_jobs : int, optional
        Parallel workers (threads; the kernels release the GIL).
    progress : bool
        Show a tqdm progress bar.

    Notes
    -----
    Features are named ``lbp_P{P}R{R}_{tag}_{code}`` with tag ``riu2`` (uniform), ``u2``
    (nri_uniform), ``def`` (default) or ``ri`` (ror), e.g. ``"lbp_P8R1_riu2_3"``. Every
    pixel is counted (no mask); each scale block sums to 1.

    Examples
    --------
    >>> X = LBPFeatures(scales=((8, 1),)).fit_transform([np.eye(8), np.ones((9, 9))])
    >>> X.shape
    (2, 10)
    """

    def __init__(self, scales=((8, 1), (16, 2), (24, 3)), method="uniform", channel=None, n_jobs=None, progress=False):
        self.scales = scales
        self.method = method
        self.channel = channel
        self.n_jobs = n_jobs
        self.progress = progress

    def _extract_one(self, image: np.ndarray) -> np.ndarray:
        check_choice(self.method, "method", METHODS[:-1])
        return multiscale_lbp_histogram(to_grey(image, self.channel), self.scales, self.method)

    def _feature_names(self) -> list[str]:
        tag = METHOD_TAGS[self.method]
        return [
            f"lbp_{_scale_tag(P, R)}_{tag}_{k}"
            for P, R in _check_scales(self.scales)
            for k in range(n_lbp_codes(P, self.method))
        ]


class MVMLBPFeatures(ImageFeatures):
    """MVM-LBP histogram as a scikit-learn transformer.

    Parameters
    ----------
    R : int
        Window radius.
    method : {"default", "uniform", "nri_uniform"}
        256, 10 or 59 features.
    channel : int, optional
        Channel of ``(H, W, C)`` images; ``None`` averages the channels (rule of
        :func:`features._prepare.to_grey`).
    n_jobs : int, optional
        Parallel workers (threads).
    progress : bool
        Show a tqdm progress bar.

    Notes
    -----
    Features are named ``mvm_lbp_R{R}_{tag}_{code}`` (tag ``def``, ``riu2`` or ``u2``).

    Examples
    --------
    >>> MVMLBPFeatures(method="nri_uniform").fit_transform([np.eye(6)]).shape
    (1, 59)
    """

    def __init__(self, R=1, method="default", channel=None, n_jobs=None, progress=False):
        self.R = R
        self.method = method
        self.channel = channel
        self.n_jobs = n_jobs
        self.progress = progress

    def _extract_one(self, image: np.ndarray) -> np.ndarray:
        return mvm_lbp_histogram(to_grey(image, self.channel), self.R, self.method)

    def _feature_names(self) -> list[str]:
        check_choice(self.method, "method", MVM_METHODS)
        tag = METHOD_TAGS[self.method]
        return [f"mvm_lbp_R{self.R}_{tag}_{k}" for k in range(n_lbp_codes(8, self.method))]


class MVMBPFeatures(ImageFeatures):
    """MVMBP 512-bin histogram as a scikit-learn transformer (features ``mvmbp_0`` ... ``mvmbp_511``).

    Parameters
    ----------
    channel : int, optional
        Channel of ``(H, W, C)`` images; ``None`` averages the channels (rule of
        :func:`features._prepare.to_grey`).
    n_jobs : int, optional
        Parallel workers (threads).
    progress : bool
        Show a tqdm progress bar.

    Examples
    --------
    >>> MVMBPFeatures().fit_transform([np.eye(6), np.ones((3, 3))]).shape
    (2, 512)
    """

    def __init__(self, channel=None, n_jobs=None, progress=False):
        self.channel = channel
        self.n_jobs = n_jobs
        self.progress = progress

    def _extract_one(self, image: np.ndarray) -> np.ndarray:
        return mvmbp_histogram(to_grey(image, self.channel))

    def _feature_names(self) -> list[str]:
        return [f"mvmbp_{k}" for k in range(N_MVMBP_CODES)]


class SobelFeatures(ImageFeatures):
    """:func:`features.sobel.sobel_features` of a batch of images, as a scikit-learn transformer.

    Images may differ in size (the vector length does not depend on it). ``(H, W, C)``
    images are reduced to grey by ``channel`` (None = mean over channels; see
    ``features._prepare``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ims = [rng.integers(0, 256, (20, 30), dtype=np.uint8), rng.random((25, 25))]
    >>> t = SobelFeatures(bins=4).fit(ims)
    >>> t.transform(ims).shape, t.get_feature_names_out()[:2].tolist()
    ((2, 12), ['sobel_mean', 'sobel_std'])
    """

    def __init__(
        self,
        bins: int = 8,
        percentiles=DEFAULT_PERCENTILES,
        edge_threshold: float = 0.25,
        channel: int | None = None,
        n_jobs: int | None = None,
        progress: bool = False,
    ):
        self.bins = bins
        self.percentiles = percentiles
        self.edge_threshold = edge_threshold
        self.channel = channel
        self.n_jobs = n_jobs
        self.progress = progress

    def _extract_one(self, image: np.ndarray) -> np.ndarray:
        grey = prepare_image(image, self.channel)
        return sobel_features(grey, self.bins, self.percentiles, self.edge_threshold)

    def _feature_names(self) -> list[str]:
        return sobel_feature_names(self.bins, self.percentiles)
