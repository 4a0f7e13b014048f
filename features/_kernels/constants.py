"""Constants shared by the kernels and their public wrappers (private; imports NumPy only).

They live apart from the Numba kernels so that the public modules can read them without
importing Numba (see :mod:`features._kernels.aot`).
"""

from __future__ import annotations

import numpy as np

# --- GLCM -------------------------------------------------------------------------------
#: Counts below this read ``c * ln(c)`` from a table instead of calling log.
CLOGC_TABLE_SIZE = 4096
_k = np.arange(CLOGC_TABLE_SIZE, dtype=np.float64)
CLOGC_TABLE = _k * np.log(np.maximum(_k, 1.0))
del _k

#: Order of the properties computed by the GLCM kernels (``features._kernels.glcm``).
COPROPS = (
    "contrast",
    "dissimilarity",
    "homogeneity",
    "ASM",
    "energy",
    "correlation",
    "mean",
    "variance",
    "std",
    "entropy",
)

# --- HOG --------------------------------------------------------------------------------
#: Block normalisations, in the order of the kernel's ``method`` argument.
HOG_METHODS = ("L1", "L1-sqrt", "L2", "L2-Hys")

# --- LBP --------------------------------------------------------------------------------
#: Method ids of the LBP kernels.
DEFAULT, ROR, UNIFORM, NRI_UNIFORM, VAR = 0, 1, 2, 3, 4
#: Largest P for which a 2**P lookup table is built; larger P maps each pixel directly.
LUT_MAX_P = 16

# --- MVM-LBP ----------------------------------------------------------------------------
#: Compass neighbours k = 0..7: east, then counter-clockwise on screen (row offsets point down).
ROW_STEPS = np.array([0, -1, -1, -1, 0, 1, 1, 1], dtype=np.int64)
COL_STEPS = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
