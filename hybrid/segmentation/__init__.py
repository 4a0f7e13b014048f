"""Tumor segmentation: networks (UNet, ResUNet), losses, metrics, post-processing, overlays and
the :class:`Segmenter` estimator (trained by :mod:`hybrid.training`).

Networks, losses and metrics live in separate modules (as in MONAI):
:mod:`~hybrid.segmentation.unet`, :mod:`~hybrid.segmentation.resunet`,
:mod:`~hybrid.segmentation.blocks`, :mod:`~hybrid.segmentation.losses`,
:mod:`~hybrid.segmentation.metrics`, :mod:`~hybrid.segmentation.postprocess`,
:mod:`~hybrid.segmentation.overlay`, :mod:`~hybrid.segmentation.segmenter`.
"""

from hybrid.segmentation.losses import BCEDiceLoss, DiceLoss, FocalLoss, make_loss
from hybrid.segmentation.metrics import (
    dice, dice_per_group, dice_per_slice, false_positive_slice_rate, hausdorff95, iou, iou_per_group,
    iou_per_slice, segmentation_report,
)
from hybrid.segmentation.overlay import overlay_figure, write_case_overlays
from hybrid.segmentation.postprocess import postprocess
from hybrid.segmentation.resunet import ResUNet
from hybrid.segmentation.segmenter import Segmenter, SegmentationTask
from hybrid.segmentation.unet import UNet

__all__ = [
    "UNet", "ResUNet", "DiceLoss", "BCEDiceLoss", "FocalLoss", "make_loss", "dice", "iou", "dice_per_slice",
    "iou_per_slice", "dice_per_group", "iou_per_group", "false_positive_slice_rate", "hausdorff95",
    "segmentation_report", "postprocess", "overlay_figure", "write_case_overlays", "Segmenter",
    "SegmentationTask",
]
