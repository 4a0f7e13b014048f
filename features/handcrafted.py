"""The union of the handcrafted extractors as one scikit-learn transformer.

:class:`HandcraftedFeatures` prepares each image once (one grey channel, one size) and
concatenates the vectors of the extractors chosen by name. It runs the same code as the
function :func:`features.vector.handcrafted_vector` (which needs no scikit-learn) and keeps
the equivalent per-extractor transformers (``HOGFeatures``, ``GLCMFeatures``, ``LBPFeatures``,
``MVMLBPFeatures``, ``MVMBPFeatures``, ``SobelFeatures`` of :mod:`features.transformers`) for
the feature names and for stand-alone use.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ._base import ImageFeatures, as_image_list
from ._prepare import prepare_image
from ._validation import check_positive_int
from .vector import DEFAULT_EXTRACTORS, EXTRACTOR_FUNCTIONS, UNION_DEFAULTS, extractor_plan, plan_vector

__all__ = ["HandcraftedFeatures", "EXTRACTORS", "UNION_DEFAULTS", "get_extractor"]

_CLASSES = ("HOGFeatures", "GLCMFeatures", "LBPFeatures", "MVMLBPFeatures", "MVMBPFeatures", "SobelFeatures")
#: name -> (module, transformer class) for each name of :data:`features.vector.EXTRACTOR_FUNCTIONS`;
#: the class is imported on first use.
EXTRACTORS: dict[str, tuple[str, str]] = {
    name: ("features.transformers", cls) for name, cls in zip(EXTRACTOR_FUNCTIONS, _CLASSES, strict=True)
}


def get_extractor(name: str) -> type[ImageFeatures]:
    """The transformer class registered under ``name`` (see :data:`EXTRACTORS`).

    >>> get_extractor("sobel").__name__
    'SobelFeatures'
    """
    if name not in EXTRACTORS:
        raise ValueError(f"unknown extractor {name!r}; choose from {list(EXTRACTORS)}")
    module, cls = EXTRACTORS[name]
    return getattr(importlib.import_module(module), cls)


class HandcraftedFeatures(ImageFeatures):
    """Concatenated handcrafted features (HOG, GLCM, LBP, MVM-LBP, MVMBP, Sobel) of images.

    Every image is prepared once and the same prepared image goes to every extractor:

    1. channels: a 2-D image is used as is; for ``(H, W, C)`` images ``channel=k`` keeps
       channel ``k`` and ``channel=None`` (default) takes the mean over the channels, rounded
       back to the input dtype for integer images (``features._prepare``);
    2. size: the grey image is resampled to ``image_size x image_size`` by area weighting
       (dtype kept). This is what makes HOG's length fixed; it is done here, in the union
       only — the stand-alone extractors (except ``HOGFeatures``) see images at their own size.

    Parameters
    ----------
    extractors : sequence of str
        Names from ``("hog", "glcm", "lbp", "mvm_lbp", "mvmbp", "sobel")``, in output order.
    params : dict, optional
        ``{name: {param: value}}``: constructor arguments of each extractor's transformer
        (e.g. ``{"lbp": {"scales": ((8, 1),)}, "hog": {"pixels_per_cell": (8, 8)}}``);
        unspecified extractors use their defaults, except where :data:`UNION_DEFAULTS` sets
        lighter ones for the union (LBP scales ``((8, 1), (16, 2))``; HOG 16-px cells in 2x2
        blocks); entries for known extractors that are not in
        ``extractors`` are ignored (handy in a grid search over ``extractors``), unknown names
        are an error. ``image_size``, ``channel``, ``n_jobs`` and ``progress`` belong to the
        union and are rejected here.
    image_size : int
        Side of the square every image is resampled to (default 128).
    channel : int, optional
        Channel of multichannel images to use; None = mean over channels
        (:func:`features._prepare.to_grey`).
    n_jobs : int, optional
        Parallel workers over images (joblib threads, the kernels release the GIL; an active
        ``joblib.parallel_backend``, e.g. Dask, takes precedence). -1 = all cores.
    progress : bool
        Show a tqdm progress bar.

    Attributes
    ----------
    transformers_ : list of (str, ImageFeatures)
        The fitted per-extractor transformers, in output order.
    n_features_out_ : int
        Length of the concatenated vector.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ims = [rng.integers(0, 256, (48, 40), dtype=np.uint8), rng.integers(0, 256, (30, 36, 3), dtype=np.uint8)]
    >>> union = HandcraftedFeatures(extractors=("hog", "sobel"), image_size=32,
    ...                             params={"hog": {"pixels_per_cell": (8, 8)}, "sobel": {"bins": 4}})
    >>> X = union.fit_transform(ims)
    >>> X.shape
    (2, 336)
    >>> union.get_feature_names_out()[[0, -1]].tolist()
    ['hog_0', 'sobel_hist_3']
    """

    def __init__(
        self,
        extractors=DEFAULT_EXTRACTORS,
        params: dict | None = None,
        image_size: int = 128,
        channel: int | None = None,
        n_jobs: int | None = None,
        progress: bool = False,
    ):
        self.extractors = extractors
        self.params = params
        self.image_size = image_size
        self.channel = channel
        self.n_jobs = n_jobs
        self.progress = progress

    def _build(self) -> list[tuple[str, ImageFeatures]]:
        size = check_positive_int(self.image_size, "image_size")
        self._plan = extractor_plan(self.extractors, self.params, owner="HandcraftedFeatures")
        built = []
        for name, kwargs in self._plan:
            kwargs = dict(kwargs)
            if name == "hog":
                kwargs["image_size"] = size
            try:
                built.append((name, get_extractor(name)(**kwargs)))
            except TypeError as exc:
                raise ValueError(f"params[{name!r}]: {exc}") from exc
        return built

    def _prepare(self, image: Any) -> np.ndarray:
        return prepare_image(image, self.channel, self.image_size)

    def fit(self, X: Any, y: Any = None) -> "HandcraftedFeatures":
        ims = as_image_list(X, "X")
        if not ims:
            raise ValueError("X is empty; expected at least one image")
        transformers = self._build()
        first = [self._prepare(ims[0])]
        self.transformers_ = [(name, t.fit(first)) for name, t in transformers]
        return super().fit(ims[:1])

    def _extract_one(self, image: np.ndarray) -> np.ndarray:
        # the per-extractor functions on the prepared image: the code of handcrafted_vector
        return plan_vector(self._prepare(image), self._plan)

    def _feature_names(self) -> list[str]:
        names = [n for _, t in self.transformers_ for n in t._feature_names()]
        if len(set(names)) != len(names):
            raise RuntimeError("feature names of the extractors collide; check their prefixes")
        return names
