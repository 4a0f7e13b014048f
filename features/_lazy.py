"""Lazy access to the scikit-learn transformers from the function modules.

``features.hog``, ``features.glcm``, ``features.lbp``, ``features.patterns`` and
``features.sobel`` hold the per-image functions and import only NumPy and Numba; their
transformers (``HOGFeatures`` ...) live in :mod:`features.transformers`, which imports
scikit-learn. The names stay importable from the function modules
(``from features.hog import HOGFeatures``) through a module ``__getattr__`` that imports
:mod:`features.transformers` on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def transformer_getattr(module: str, names: tuple[str, ...]) -> Callable[[str], object]:
    """A module ``__getattr__`` resolving ``names`` from :mod:`features.transformers`."""

    def __getattr__(name: str) -> object:
        if name in names:
            return getattr(importlib.import_module("features.transformers"), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
