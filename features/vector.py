"""The handcrafted feature vector of one image as a plain function (no scikit-learn).

:func:`handcrafted_vector` computes exactly the row that
:class:`features.handcrafted.HandcraftedFeatures` (same arguments) gives for the image — the
transformer calls the same code (:func:`extractor_plan`, :func:`plan_vector`) — but imports
only NumPy and Numba, so a fresh interpreter gets its first vector without paying for the
scikit-learn import (about 2 s with scikit-learn 1.9), and a single image costs no batch
machinery.

Each extractor name maps to the public function of its module (:data:`EXTRACTOR_FUNCTIONS`);
its parameters are that function's keyword arguments, which are also the constructor arguments
of its transformer in :mod:`features.transformers` minus ``channel``, ``n_jobs``,
``progress`` (and HOG's ``image_size``), which belong to the union.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ._prepare import prepare_image
from ._validation import check_positive_int

__all__ = [
    "handcrafted_vector",
    "extractor_plan",
    "plan_vector",
    "EXTRACTOR_FUNCTIONS",
    "DEFAULT_EXTRACTORS",
    "UNION_DEFAULTS",
]

#: name -> (module, function of one grey image returning a 1-D vector); imported lazily so that
#: one extractor's import cost does not burden the others.
EXTRACTOR_FUNCTIONS: dict[str, tuple[str, str]] = {
    "hog": ("features.hog", "hog"),
    "glcm": ("features.glcm", "glcm_features"),
    "lbp": ("features.lbp", "multiscale_lbp_histogram"),
    "mvm_lbp": ("features.patterns", "mvm_lbp_histogram"),
    "mvmbp": ("features.patterns", "mvmbp_histogram"),
    "sobel": ("features.sobel", "sobel_features"),
}
#: The extractors of the default vector, in output order.
DEFAULT_EXTRACTORS = ("hog", "glcm", "lbp", "mvm_lbp", "mvmbp", "sobel")
#: Where the union's defaults differ from the stand-alone extractors' (a key given in
#: ``params`` wins). They keep the vector balanced and cheap (2,596 columns at 128 px instead of
#: 16,708, which also makes the SVM and XGBoost fits several times faster):
#:
#: * ``lbp``: Ojala's two finer riu2 scales (10 + 18 = 28 values); ``LBPFeatures`` alone also
#:   uses ``(24, 3)``, which cost as much as the rest of the vector;
#: * ``hog``: 16-px cells in 2x2-cell blocks (7 x 7 blocks x 36 = 1,764 values at 128 px);
#:   ``HOGFeatures`` alone keeps skimage's 8-px cells in 3x3 blocks (15,876 values at 128 px),
#:   which would be 95 % of the union and drown the texture families.
UNION_DEFAULTS: dict[str, dict[str, Any]] = {
    "lbp": {"scales": ((8, 1), (16, 2))},
    "hog": {"pixels_per_cell": (16, 16), "cells_per_block": (2, 2)},
}
#: Set by the union itself, so not accepted in the per-extractor params.
UNION_ONLY = ("image_size", "channel", "n_jobs", "progress")
#: Keyword arguments of the functions that the per-image vector never uses (ROI masks, output
#: shape): rejected in ``params`` so that the function and the transformers accept the same.
_NOT_PARAMS = ("mask", "n_bins", "feature_vector", "channel_axis")


def extractor_plan(
    extractors: Any = DEFAULT_EXTRACTORS, params: dict | None = None, owner: str = "handcrafted_vector"
) -> list[tuple[str, dict]]:
    """Validated ``[(name, kwargs)]``: the extractors in output order with their arguments.

    ``kwargs`` = ``params[name]`` over :data:`UNION_DEFAULTS` over the function's defaults.
    Entries of ``params`` for known extractors not in ``extractors`` are ignored (handy in a
    grid search over ``extractors``); unknown names, repeated names, an empty or string
    ``extractors`` and the union-only keys (``image_size``, ``channel``, ``n_jobs``,
    ``progress``; the error message tells to set them on ``owner``) and keywords the
    extractor's function does not take are errors, raised here once rather than per image.

    >>> extractor_plan(("sobel", "lbp"), {"sobel": {"bins": 4}})
    [('sobel', {'bins': 4}), ('lbp', {'scales': ((8, 1), (16, 2))})]
    """
    if isinstance(extractors, str):
        raise ValueError(f"extractors must be a sequence of names, got the string {extractors!r}")
    names = list(extractors)
    if not names:
        raise ValueError("extractors is empty; choose from " + str(list(EXTRACTOR_FUNCTIONS)))
    if len(set(names)) != len(names):
        raise ValueError(f"extractors lists a name twice: {names}")
    missing = [n for n in names if n not in EXTRACTOR_FUNCTIONS]
    if missing:
        raise ValueError(f"unknown extractor {missing[0]!r}; choose from {list(EXTRACTOR_FUNCTIONS)}")
    params = dict(params or {})
    unknown = sorted(set(params) - set(EXTRACTOR_FUNCTIONS))
    if unknown:
        raise ValueError(f"params given for unknown extractors {unknown}; choose from {list(EXTRACTOR_FUNCTIONS)}")
    plan = []
    for name in names:
        kwargs = dict(params.get(name) or {})
        clash = sorted(set(kwargs) & set(UNION_ONLY))
        if clash:
            raise ValueError(f"params[{name!r}] sets {clash}; set them on {owner} itself")
        bad = sorted(set(kwargs) & set(_NOT_PARAMS))
        if bad:
            raise ValueError(f"params[{name!r}]: {bad} are not parameters of the feature vector")
        accepted = _parameters(name)
        unexpected = sorted(set(kwargs) - set(accepted))
        if unexpected:
            raise ValueError(f"params[{name!r}]: unknown parameters {unexpected} of {EXTRACTOR_FUNCTIONS[name][1]}")
        for key, value in UNION_DEFAULTS.get(name, {}).items():
            kwargs.setdefault(key, value)
        plan.append((name, kwargs))
    return plan


@lru_cache(maxsize=None)
def _parameters(name: str) -> frozenset:
    """Keyword names the extractor's function takes (read once: ``inspect.signature`` is slow)."""
    return frozenset(inspect.signature(_function(name)).parameters)


def _function(name: str) -> Callable[..., np.ndarray]:
    module, func = EXTRACTOR_FUNCTIONS[name]
    return getattr(importlib.import_module(module), func)


def plan_vector(grey: np.ndarray, plan: list[tuple[str, dict]]) -> np.ndarray:
    """Concatenate the vectors of ``plan`` (from :func:`extractor_plan`) for one prepared image."""
    parts = [np.asarray(_function(name)(grey, **kwargs), dtype=np.float64).ravel() for name, kwargs in plan]
    return np.concatenate(parts)


def handcrafted_vector(
    image: Any,
    extractors: Any = DEFAULT_EXTRACTORS,
    params: dict | None = None,
    image_size: int = 128,
    channel: int | None = None,
) -> np.ndarray:
    """The handcrafted feature vector of one image (HOG, GLCM, LBP, MVM-LBP, MVMBP, Sobel).

    Equal to ``HandcraftedFeatures(extractors, params, image_size, channel).fit_transform([image])[0]``
    (same code, without scikit-learn): the image is reduced to one grey channel and resampled
    to ``image_size x image_size`` by area weighting (:func:`features._prepare.prepare_image`),
    then each extractor's function runs on that image and the vectors are concatenated.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array_like
        One image of any size (at least the largest window of the extractors after resampling).
    extractors : sequence of str
        Names from :data:`EXTRACTOR_FUNCTIONS`, in output order (default: all six).
    params : dict, optional
        ``{name: {argument: value}}`` for the extractors' functions; see :func:`extractor_plan`
        and :data:`UNION_DEFAULTS` (LBP scales ``((8, 1), (16, 2))``, HOG 16-px cells in 2x2
        blocks unless given).
    image_size : int
        Side of the square the image is resampled to.
    channel : int, optional
        Channel of an ``(H, W, C)`` image; None = mean over the channels (rounded back to the
        dtype for integer images).

    Returns
    -------
    (n_features,) ndarray of float64
        2,596 values with the defaults; the names are
        ``HandcraftedFeatures().fit([image]).get_feature_names_out()``.

    Raises
    ------
    ImageValidationError
        Bad image (NaN, wrong dtype or dimensions, too small).
    ValueError
        Bad ``extractors``, ``params``, ``image_size`` or ``channel``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> image = rng.integers(0, 256, (60, 70), dtype=np.uint8)
    >>> handcrafted_vector(image).shape
    (2596,)
    >>> handcrafted_vector(image, ("sobel",), {"sobel": {"bins": 4}}, image_size=32).shape
    (12,)
    """
    plan = extractor_plan(extractors, params)
    size = check_positive_int(image_size, "image_size")
    return plan_vector(prepare_image(image, channel, size), plan)
