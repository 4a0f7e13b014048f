"""Five-panel segmentation figures: image, true mask, predicted mask, image + truth (red),
image + prediction (green), written as PNG (atomically); 3 panels when there is no truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hybrid.segmentation.metrics import dice
from hybrid.training.atomic import atomic_path

__all__ = ["to_display", "blend", "overlay_figure", "write_case_overlays"]

RED = (1.0, 0.0, 0.0)
GREEN = (0.0, 1.0, 0.0)


def to_display(image) -> np.ndarray:
    """Image → float RGB (H, W, 3) in [0, 1] for display.

    Integer images are scaled by their dtype maximum; float images are min-max scaled
    (a constant image becomes zeros). Grey images are replicated to 3 channels; images with
    more than 3 channels show their first three; 2-channel images show the first.
    """
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[-1] not in (1, 3):
        a = a[..., :3] if a.shape[-1] > 3 else a[..., 0]
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {a.shape}")
    if a.dtype.kind in "ub" or a.dtype.kind == "i":
        a = a.astype(float) / (1.0 if a.dtype == bool else float(np.iinfo(a.dtype).max))
    else:
        a = a.astype(float)
        lo, hi = np.nanmin(a), np.nanmax(a)
        a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    a = np.clip(a, 0.0, 1.0)
    return np.repeat(a[..., None], 3, axis=-1) if a.ndim == 2 else a


def blend(image, mask, color=RED, alpha: float = 0.45) -> np.ndarray:
    """RGB image with ``mask`` pixels tinted ``color`` at opacity ``alpha``.

    >>> out = blend(np.zeros((1, 2), np.uint8), np.array([[1, 0]]), color=(0, 1, 0), alpha=1.0)
    >>> out[0, 0].tolist(), out[0, 1].tolist()
    ([0.0, 1.0, 0.0], [0.0, 0.0, 0.0])
    """
    rgb = to_display(image)
    m = np.asarray(mask) != 0
    if m.shape != rgb.shape[:2]:
        raise ValueError(f"mask shape {m.shape} differs from image shape {rgb.shape[:2]}")
    out = rgb.copy()
    out[m] = (1 - alpha) * rgb[m] + alpha * np.asarray(color, dtype=float)
    return out


def overlay_figure(image, true_mask, pred_mask, path, title: str | None = None, dpi: int = 100) -> Path:
    """Write the 5-panel figure (image | true mask | predicted mask | image+truth in red |
    image+prediction in green) to ``path`` as PNG; return the path.

    With ``true_mask=None`` (prediction on new images) the figure has the 3 panels image |
    predicted mask | image+prediction. The title (if any) is followed by the slice Dice when
    the truth is known. The file is written atomically (:func:`hybrid.training.atomic.atomic_path`).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    rgb = to_display(image)
    p = np.asarray(pred_mask) != 0
    t = None if true_mask is None else np.asarray(true_mask) != 0
    for name, m in (("true_mask", t), ("pred_mask", p)):
        if m is not None and m.shape != rgb.shape[:2]:
            raise ValueError(f"{name} shape {m.shape} differs from image shape {rgb.shape[:2]}")
    if t is None:
        panels = [(rgb, "image"), (p, "predicted mask"), (blend(rgb, p, GREEN), "image + prediction (green)")]
        head = title
    else:
        panels = [
            (rgb, "image"), (t, "true mask"), (p, "predicted mask"),
            (blend(rgb, t, RED), "image + truth (red)"), (blend(rgb, p, GREEN), "image + prediction (green)"),
        ]
        head = f"{title} — Dice {dice(p, t):.3f}" if title else f"Dice {dice(p, t):.3f}"
    fig = Figure(figsize=(3 * len(panels), 3.4), dpi=dpi)
    axes = fig.subplots(1, len(panels))
    for ax, (arr, label) in zip(axes, panels):
        ax.imshow(arr, cmap="gray" if arr.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    if head:
        fig.suptitle(head, fontsize=10)
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    return path


def write_case_overlays(images: Sequence, true_masks: Sequence, pred_masks: Sequence, out_dir,
                        which: str | Sequence[int] = "worst", n: int = 5, names: Sequence[str] | None = None,
                        only_tumor: bool = True) -> list[Path]:
    """Write overlays for chosen cases, or the ``n`` worst/best by slice Dice.

    Parameters
    ----------
    which : "worst", "best" or a sequence of indices
        Ranking by :func:`~hybrid.segmentation.metrics.dice` (ties keep input order).
    only_tumor : bool
        When ranking, consider only cases whose true mask is non-empty (an empty truth with an
        empty prediction scores 1.0 and would fill the "best" list with blank slices).
    names : list of str, optional
        Used in file names and titles (default: the index).

    Returns the written paths, named ``<which>_<rank>_<name>.png``.
    """
    if not len(images) == len(true_masks) == len(pred_masks):
        raise ValueError("images, true_masks and pred_masks must have the same length")
    names = [str(i) for i in range(len(images))] if names is None else [str(s) for s in names]
    if isinstance(which, str):
        if which not in ("worst", "best"):
            raise ValueError(f"which must be 'worst', 'best' or a list of indices, got {which!r}")
        pool = [i for i in range(len(images)) if not only_tumor or np.any(np.asarray(true_masks[i]))]
        scores = {i: dice(pred_masks[i], true_masks[i]) for i in pool}
        order = sorted(pool, key=lambda i: scores[i], reverse=(which == "best"))
        chosen, prefix = order[:n], which
    else:
        chosen, prefix = [int(i) for i in which], "case"
    out_dir = Path(out_dir)
    paths = []
    for rank, i in enumerate(chosen):
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in names[i])
        paths.append(overlay_figure(images[i], true_masks[i], pred_masks[i],
                                    out_dir / f"{prefix}_{rank:02d}_{safe}.png", title=names[i]))
    return paths
