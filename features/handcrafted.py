"""The union of the handcrafted extractors as one scikit-learn transformer.

:class:`HandcraftedFeatures` composes the per-extractor transformers (``HOGFeatures``,
``GLCMFeatures``, ``LBPFeatures``, ``MVMLBPFeatures``, ``MVMBPFeatures``, ``SobelFeatures``)
chosen by name; it prepares each image once (one grey channel, one size) and concatenates
their vectors.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ._base import ImageFeatures, as_image_list
from ._prepare import prepare_image
from ._validation import check_positive_int

__all__ = ["HandcraftedFeatures", "EXTRACTORS", "UNION_LBP_SCALES", "get_extractor"]

#: name -> (module, transformer class); imported lazily so that one extractor's import cost
#: (or absence) does not burden the others.
EXTRACTORS: dict[str, tuple[str, str]] = {
    "hog": ("features.hog", "HOGFeatures"),
    "glcm": ("features.glcm", "GLCMFeatures"),
    "lbp": ("features.lbp", "LBPFeatures"),
    "mvm_lbp": ("features.patterns", "MVMLBPFeatures"),
    "mvmbp": ("features.patterns", "MVMBPFeatures"),
    "sobel": ("features.sobel", "SobelFeatures"),
}
#: LBP scales of the union's default: Ojala's two finer riu2 scales (10 + 18 = 28 values).
#: ``LBPFeatures`` alone keeps its three scales; the union drops ``(24, 3)``, which cost as much
#: as the rest of the vector. Ask for it with ``params={"lbp": {"scales": ((8, 1), (16, 2), (24, 3))}}``.
UNION_LBP_SCALES = ((8, 1), (16, 2))
# set by the union itself, so not accepted in the per-extractor params
_UNION_ONLY = ("image_size", "channel", "n_jobs", "progress")


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
        (e.g. ``{"lbp": {"scales": ((8, 1),)}, "hog": {"cells_per_block": (2, 2)}}``);
        unspecified extractors use their defaults — except LBP, whose scales default to
        :data:`UNION_LBP_SCALES` ``((8, 1), (16, 2))`` here (``LBPFeatures`` alone also uses
        ``(24, 3)``; the union leaves it out for speed, pass it in ``params`` to get it); entries for known extractors that are not in
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
    ...                             params={"hog": {"cells_per_block": (2, 2)}, "sobel": {"bins": 4}})
    >>> X = union.fit_transform(ims)
    >>> X.shape
    (2, 336)
    >>> union.get_feature_names_out()[[0, -1]].tolist()
    ['hog_0', 'sobel_hist_3']
    """

    def __init__(
        self,
        extractors=("hog", "glcm", "lbp", "mvm_lbp", "mvmbp", "sobel"),
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
        if isinstance(self.extractors, str):
            raise ValueError(f"extractors must be a sequence of names, got the string {self.extractors!r}")
        names = list(self.extractors)
        if not names:
            raise ValueError("extractors is empty; choose from " + str(list(EXTRACTORS)))
        if len(set(names)) != len(names):
            raise ValueError(f"extractors lists a name twice: {names}")
        params = dict(self.params or {})
        unknown = sorted(set(params) - set(EXTRACTORS))
        if unknown:
            raise ValueError(f"params given for unknown extractors {unknown}; choose from {list(EXTRACTORS)}")
        size = check_positive_int(self.image_size, "image_size")
        built = []
        for name in names:
            cls = get_extractor(name)
            kwargs = dict(params.get(name) or {})
            clash = sorted(set(kwargs) & set(_UNION_ONLY))
            if clash:
                raise ValueError(f"params[{name!r}] sets {clash}; set them on HandcraftedFeatures itself")
            if name == "hog":
                kwargs["image_size"] = size
            if name == "lbp":
                kwargs.setdefault("scales", UNION_LBP_SCALES)
            try:
                built.append((name, cls(**kwargs)))
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
        grey = self._prepare(image)
        return np.concatenate(
            [np.asarray(t._extract_one(grey), dtype=np.float64).ravel() for _, t in self.transformers_]
        )

    def _feature_names(self) -> list[str]:
        names = [n for _, t in self.transformers_ for n in t._feature_names()]
        if len(set(names)) != len(names):
            raise RuntimeError("feature names of the extractors collide; check their prefixes")
        return names
