"""The one place that imports :mod:`torchvision`.

Every torchvision import in TumorTrace goes through this module::

    from hybrid.compat import torchvision, tv_models, tv_transforms

Why: the only torchvision that pairs with the pinned CPU ``torch==2.13.0`` is a CUDA
build whose C extension (``torchvision/_C*.so``) cannot load against CPU torch. Its
Python side then fails at import with ``operator torchvision::nms does not exist``
because ``torchvision._meta_registrations`` registers fake kernels for ops whose
schemas the extension would have defined.

What this module does, once, before importing torchvision:

1. If the real extension loads (``torch.ops.load_library``), nothing else is needed.
2. Otherwise it defines the missing operator *schemas* (``nms``, ``qnms`` and the
   other ops that ``_meta_registrations`` touches) in a ``torch.library.Library``
   so the import succeeds. The ops have no CPU kernel: calling
   ``torchvision.ops.nms`` raises, and ``torchvision.io`` decoding is unavailable
   (TumorTrace reads images with Pillow/tifffile/OpenCV). Models and
   ``transforms.v2`` work normally.

``TORCHVISION_NATIVE_OPS`` tells which case applied.
"""

from __future__ import annotations

import glob
import importlib.util
import os

import torch

__all__ = ["torchvision", "tv_models", "tv_transforms", "tv_tv_tensors", "TORCHVISION_NATIVE_OPS"]

# Schemas that torchvision's meta registrations (and model code paths) expect to exist.
_SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "roi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width, "
    "int sampling_ratio, bool aligned) -> Tensor",
    "_roi_align_backward(Tensor grad, Tensor rois, float spatial_scale, SymInt pooled_height, "
    "SymInt pooled_width, SymInt batch_size, SymInt channels, SymInt height, SymInt width, "
    "int sampling_ratio, bool aligned) -> Tensor",
    "ps_roi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width, "
    "int sampling_ratio) -> (Tensor, Tensor)",
    "_ps_roi_align_backward(Tensor grad, Tensor rois, Tensor channel_mapping, float spatial_scale, "
    "SymInt pooled_height, SymInt pooled_width, int sampling_ratio, SymInt batch_size, SymInt channels, "
    "SymInt height, SymInt width) -> Tensor",
    "roi_pool(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width) "
    "-> (Tensor, Tensor)",
    "_roi_pool_backward(Tensor grad, Tensor rois, Tensor argmax, float spatial_scale, SymInt pooled_height, "
    "SymInt pooled_width, SymInt batch_size, SymInt channels, SymInt height, SymInt width) -> Tensor",
    "ps_roi_pool(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width) "
    "-> (Tensor, Tensor)",
    "_ps_roi_pool_backward(Tensor grad, Tensor rois, Tensor channel_mapping, float spatial_scale, "
    "SymInt pooled_height, SymInt pooled_width, SymInt batch_size, SymInt channels, SymInt height, "
    "SymInt width) -> Tensor",
    "deform_conv2d(Tensor input, Tensor weight, Tensor offset, Tensor mask, Tensor bias, SymInt stride_h, "
    "SymInt stride_w, SymInt pad_h, SymInt pad_w, SymInt dilation_h, SymInt dilation_w, SymInt groups, "
    "SymInt offset_groups, bool use_mask) -> Tensor",
    "_deform_conv2d_backward(Tensor grad, Tensor input, Tensor weight, Tensor offset, Tensor mask, "
    "Tensor bias, SymInt stride_h, SymInt stride_w, SymInt pad_h, SymInt pad_w, SymInt dilation_h, "
    "SymInt dilation_w, SymInt groups, SymInt offset_groups, bool use_mask) "
    "-> (Tensor, Tensor, Tensor, Tensor, Tensor)",
)

_LIBRARY = None  # keeps the fallback Library alive for the life of the process


def _try_load_native() -> bool:
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return False
    for folder in spec.submodule_search_locations:
        for so in sorted(glob.glob(os.path.join(folder, "_C*.so"))):
            try:
                torch.ops.load_library(so)
                return True
            except (OSError, RuntimeError):
                continue
    return False


def _define_missing_schemas() -> None:
    global _LIBRARY
    _LIBRARY = torch.library.Library("torchvision", "DEF")  # noqa: TOR901 - intentional fallback library
    for schema in _SCHEMAS:
        try:
            _LIBRARY.define(schema)
        except RuntimeError:  # already defined (e.g. a partially loaded extension)
            pass


TORCHVISION_NATIVE_OPS: bool = _try_load_native()
if not TORCHVISION_NATIVE_OPS:
    _define_missing_schemas()

import torchvision  # noqa: E402  (must follow the schema set-up above)
import torchvision.models as tv_models  # noqa: E402
import torchvision.transforms.v2 as tv_transforms  # noqa: E402
from torchvision import tv_tensors as tv_tv_tensors  # noqa: E402
