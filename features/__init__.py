"""Handcrafted texture and shape features for medical images (Numba kernels, skimage semantics).

No torch import here: ``features`` depends on numpy, numba and scipy only.
"""
