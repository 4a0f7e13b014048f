"""Handcrafted texture and shape features for medical images (Numba kernels, skimage semantics).

No torch import here: ``features`` depends on numpy, numba and (for the transformers)
scikit-learn and joblib.

Functions work on one image (:func:`handcrafted_vector` is the whole default vector); the
``*Features`` classes are scikit-learn transformers over a list of images (of any sizes);
:class:`HandcraftedFeatures` is their union.

Importing ``features`` is cheap: every name below is imported on first access (module
``__getattr__``), so the functions never import scikit-learn (about 2 s to import) and each
extractor loads only its own kernels.

``hog`` and ``sobel`` are both a module and a function; the package attribute is the module
(so ``features.hog.hog(image)`` works), import the functions with
``from features.hog import hog`` and ``from features.sobel import sobel``.
"""

from __future__ import annotations

import importlib

#: public name -> module that defines it (imported on first access)
_WHERE = {
    "ImageFeatures": "features._base",
    "extract_batch": "features._base",
    "ImageValidationError": "features._validation",
    "hog_shape": "features.hog",
    "HOGFeatures": "features.transformers",
    "graycomatrix": "features.glcm",
    "graycoprops": "features.glcm",
    "haralick": "features.glcm",
    "glcm_features": "features.glcm",
    "glcm_feature_names": "features.glcm",
    "GLCMFeatures": "features.transformers",
    "local_binary_pattern": "features.lbp",
    "lbp_histogram": "features.lbp",
    "multiscale_lbp_histogram": "features.lbp",
    "LBPFeatures": "features.transformers",
    "mvm_lbp": "features.patterns",
    "mvm_lbp_histogram": "features.patterns",
    "MVMLBPFeatures": "features.transformers",
    "mvmbp": "features.patterns",
    "mvmbp_histogram": "features.patterns",
    "MVMBPFeatures": "features.transformers",
    "sobel_features": "features.sobel",
    "sobel_feature_names": "features.sobel",
    "SobelFeatures": "features.transformers",
    "handcrafted_vector": "features.vector",
    "EXTRACTORS": "features.handcrafted",
    "HandcraftedFeatures": "features.handcrafted",
}
#: submodules reachable as attributes before they are imported (``features.hog.hog(...)``)
_SUBMODULES = ("hog", "sobel", "glcm", "lbp", "patterns", "quantize", "vector", "transformers", "handcrafted")

__all__ = list(_WHERE) + ["hog", "sobel"]


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"features.{name}")
    else:
        raise AttributeError(f"module 'features' has no attribute {name!r}")
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE) | set(_SUBMODULES))
