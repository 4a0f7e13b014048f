"""Numba kernels (``@njit(cache=True, nogil=True)``), one module per extractor; private."""
