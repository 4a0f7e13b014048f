"""Handcrafted texture and shape features for medical images (Numba kernels, skimage semantics).

No torch import here: ``features`` depends on numpy, numba, scipy and scikit-learn only.

Functions work on one image; the ``*Features`` classes are scikit-learn transformers over a
list of images (of any sizes); :class:`HandcraftedFeatures` is their union.

``hog`` and ``sobel`` are both a module and a function; the package attribute is the module
(so ``features.hog.hog(image)`` works), import the functions with
``from features.hog import hog`` and ``from features.sobel import sobel``.
"""

from ._base import ImageFeatures, extract_batch
from ._validation import ImageValidationError
from .glcm import GLCMFeatures, glcm_feature_names, glcm_features, graycomatrix, graycoprops, haralick
from .handcrafted import EXTRACTORS, HandcraftedFeatures
from . import hog, sobel  # the modules (their functions share their names)
from .hog import HOGFeatures, hog_shape
from .lbp import LBPFeatures, lbp_histogram, local_binary_pattern, multiscale_lbp_histogram
from .patterns import MVMBPFeatures, MVMLBPFeatures, mvm_lbp, mvm_lbp_histogram, mvmbp, mvmbp_histogram
from .sobel import SobelFeatures, sobel_feature_names, sobel_features

__all__ = [
    "ImageFeatures",
    "ImageValidationError",
    "extract_batch",
    "hog_shape",
    "HOGFeatures",
    "graycomatrix",
    "graycoprops",
    "haralick",
    "glcm_features",
    "glcm_feature_names",
    "GLCMFeatures",
    "local_binary_pattern",
    "lbp_histogram",
    "multiscale_lbp_histogram",
    "LBPFeatures",
    "mvm_lbp",
    "mvm_lbp_histogram",
    "MVMLBPFeatures",
    "mvmbp",
    "mvmbp_histogram",
    "MVMBPFeatures",
    "sobel_features",
    "sobel_feature_names",
    "SobelFeatures",
    "EXTRACTORS",
    "HandcraftedFeatures",
]
