"""Synthetic ultrasound / MRI phantoms with lesion masks (the embedded default dataset).

Each phantom is a textured background with one lesion and its exact mask. The class cues follow
the BI-RADS ultrasound lexicon [1]_ and the usual MRI appearance of gliomas:

* **benign**: round/oval, wider-than-tall, smooth (blurred) margin, homogeneous interior,
  posterior acoustic *enhancement* (ultrasound);
* **malignant**: irregular outline with spiculations, taller-than-wide, sharp margin,
  heterogeneous interior, posterior acoustic *shadowing* (ultrasound).

Noise model: multiplicative Rayleigh speckle for ultrasound [2]_, Rician noise (magnitude of a
complex Gaussian) for MRI [3]_, both after a smooth multiplicative bias field.

Difficulty
----------
Every shape/texture cue is driven by one number ``c`` in ``[0, 1]`` per image (0 = fully benign
look, 1 = fully malignant look). With label ``m`` (0 benign, 1 malignant), difficulty ``d`` and a
per-image draw ``z ~ N(0, 1)``::

    c = clip(0.5 + (m - 0.5) * (1 - d) + (0.12 + 0.3 * d) * z, 0, 1)

so ``d = 0`` gives (practically) separable classes, ``d = 1`` makes the appearance independent of
the label (chance level), and the class-conditional distributions of ``c`` overlap more as ``d``
grows (at ``d = 0.5`` the cue alone gives an AUC of about 0.93). Labels are never flipped: the
overlap comes from the appearance, not from label noise.

Determinism: image ``i`` is drawn from its own generator spawned from
``numpy.random.SeedSequence(seed)``, so ``make_phantoms(n, seed=s)`` is a prefix of
``make_phantoms(n + k, seed=s)``. Labels alternate ``benign, malignant, ...`` (balanced).

References
----------
.. [1] Stavros AT et al. Solid breast nodules: use of sonography to distinguish between benign
   and malignant lesions. Radiology 196 (1995) 123-134. doi:10.1148/radiology.196.1.7784555
.. [2] Burckhardt CB. Speckle in ultrasound B-mode scans. IEEE Trans. Sonics Ultrason. 25 (1978)
   1-6. doi:10.1109/T-SU.1978.30978
.. [3] Gudbjartsson H, Patz S. The Rician distribution of noisy MRI data. Magn. Reson. Med. 34
   (1995) 910-914. doi:10.1002/mrm.1910340618
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

__all__ = ["Phantoms", "make_phantoms", "make_phantom", "write_synthetic_dataset", "CLASSES", "MODALITIES"]

CLASSES = ("benign", "malignant")
MODALITIES = ("ultrasound", "mri")


@dataclass
class Phantoms:
    """A batch of phantoms: ``images[i]`` (uint8, ``(size, size)``), ``masks[i]`` (bool),
    ``labels[i]`` (``"benign"``/``"malignant"``), ``groups[i]`` (one group per image)."""

    images: list
    masks: list
    labels: np.ndarray
    groups: np.ndarray
    cues: np.ndarray  # the malignancy cue c in [0, 1] each image was drawn with

    def __len__(self) -> int:
        return len(self.images)


def _check_args(n: int, size: int, difficulty: float, modality: str) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 32:
        raise ValueError(f"size must be an integer >= 32, got {size!r}")
    if not (isinstance(difficulty, (int, float, np.floating)) and 0.0 <= float(difficulty) <= 1.0):
        raise ValueError(f"difficulty must be a number in [0, 1], got {difficulty!r}")
    if modality not in MODALITIES:
        raise ValueError(f"modality must be one of {list(MODALITIES)}, got {modality!r}")


def _smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Zero-mean, unit-ish random field with correlation length ``size / cells``."""
    grid = rng.standard_normal((cells, cells)).astype(np.float32)
    return cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)


def _lesion_radius(rng: np.random.Generator, theta: np.ndarray, c: float) -> np.ndarray:
    """Relative radius r(theta) of the lesion outline (mean about 1), evaluated on 720 angles and
    interpolated at ``theta``."""
    grid = np.linspace(-np.pi, np.pi, 721)
    r = np.ones_like(grid)
    # low-order wobble (all lesions) and high-order irregularity (grows with c)
    for k in range(2, 12):
        amp = (0.03 if k < 4 else 0.0) + c * 0.12 / (1.0 + 0.15 * k)
        r += amp * rng.uniform(0.3, 1.0) * np.cos(k * grid + rng.uniform(0, 2 * np.pi))
    # spiculations: narrow triangular spikes
    n_spikes = int(round(c * 9))
    for _ in range(n_spikes):
        t0 = rng.uniform(0, 2 * np.pi)
        width = rng.uniform(0.08, 0.18)
        dist = np.abs(np.angle(np.exp(1j * (grid - t0))))
        r += rng.uniform(0.25, 0.55) * c * np.clip(1.0 - dist / width, 0.0, None) ** 1.5
    return np.interp(theta, grid, r)


def make_phantom(
    rng: np.random.Generator, size: int, label: str, difficulty: float, modality: str
) -> tuple[np.ndarray, np.ndarray, float]:
    """One phantom ``(image uint8 (size, size), mask bool, cue c)`` from generator ``rng``."""
    m = 1.0 if label == "malignant" else 0.0
    c = float(np.clip(0.5 + (m - 0.5) * (1.0 - difficulty) + (0.12 + 0.3 * difficulty) * rng.standard_normal(),
                      0.0, 1.0))
    s = size
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32)

    # lesion geometry: benign wider-than-tall, malignant taller-than-wide
    radius = rng.uniform(0.12, 0.22) * s
    aspect = (1.45 - 0.75 * c) * rng.uniform(0.9, 1.1)  # width / height
    rx, ry = radius * np.sqrt(aspect), radius / np.sqrt(aspect)
    margin = 1.6 * max(rx, ry) + 2
    cx = rng.uniform(margin, s - margin) if s - 2 * margin > 0 else s / 2
    cy = rng.uniform(margin, s - margin * 1.4) if s - 2.4 * margin > 0 else s / 2
    dx, dy = (xx - cx) / rx, (yy - cy) / ry
    rho = np.hypot(dx, dy)
    theta = np.arctan2(dy, dx)
    mask = rho <= _lesion_radius(rng, theta, c)

    # background tissue texture
    tissue = 0.5 + 0.10 * _smooth_noise(rng, s, 6) + 0.05 * _smooth_noise(rng, s, 24)
    if modality == "ultrasound":
        tissue += 0.06 * np.sin(yy / s * rng.uniform(10, 20) + 0.5 * _smooth_noise(rng, s, 4))  # layers
        level = rng.uniform(0.12, 0.2)  # hypoechoic lesion
    else:
        level = rng.uniform(0.78, 0.9)  # hyperintense (FLAIR-like) lesion

    # lesion interior: homogeneous (benign) to heterogeneous (malignant)
    inner = level + (0.03 + 0.22 * c) * _smooth_noise(rng, s, 16)
    alpha = mask.astype(np.float32)
    blur = 0.4 + 2.6 * (1.0 - c)  # smooth margin for benign, sharp for malignant
    alpha = cv2.GaussianBlur(alpha, (0, 0), blur)
    img = tissue * (1.0 - alpha) + inner * alpha

    if modality == "ultrasound":
        # posterior acoustic shadowing (c -> 1) or enhancement (c -> 0) below the lesion
        rows = np.where(mask.any(axis=0), s - 1 - np.argmax(mask[::-1], axis=0), s).astype(np.float32)
        depth = np.clip(yy - rows[None, :], 0, None)
        below = (yy > rows[None, :]).astype(np.float32) * (1.0 - np.exp(-depth / (0.25 * s)))
        below = cv2.blur(below, (max(3, s // 16), 1))
        strength = 0.75 * c - 0.35 * (1.0 - c)
        img = img * (1.0 - strength * below)
        img *= np.exp(-0.6 * yy / s)  # depth attenuation
        img /= img.max() + 1e-6
        # multiplicative speckle: Rayleigh with unit mean
        speckle = rng.rayleigh(np.sqrt(2.0 / np.pi), size=(s, s)).astype(np.float32)
        speckle = cv2.GaussianBlur(speckle, (0, 0), 0.7)
        img = img * (0.35 + 0.65 * speckle)
    bias = 1.0 + 0.25 * (rng.uniform(-1, 1) * (xx / s - 0.5) + rng.uniform(-1, 1) * (yy / s - 0.5))
    img = img * bias
    if modality == "mri":
        # brain-like oval field of view and Rician noise
        head = ((xx - s / 2) / (0.46 * s)) ** 2 + ((yy - s / 2) / (0.48 * s)) ** 2 <= 1.0
        img = img * head
        sigma = 0.05
        n1 = rng.normal(0, sigma, size=(s, s)).astype(np.float32)
        n2 = rng.normal(0, sigma, size=(s, s)).astype(np.float32)
        img = np.sqrt((img + n1) ** 2 + n2**2)
        mask &= head
    out = np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out, mask, c


def make_phantoms(
    n: int, size: int = 128, seed: int = 0, difficulty: float = 0.5, modality: str = "ultrasound"
) -> Phantoms:
    """Generate ``n`` lesion phantoms with masks, deterministically from ``seed``.

    Parameters
    ----------
    n : int
        Number of images (labels alternate benign, malignant, ...).
    size : int
        Side of the square images (>= 32).
    seed : int
        Seed of :class:`numpy.random.SeedSequence`; image ``i`` uses the ``i``-th spawned child.
    difficulty : float in [0, 1]
        0: class cues fully separable; 1: appearance independent of the label (see module doc).
    modality : {"ultrasound", "mri"}
        Speckle + shadowing (ultrasound) or Rician noise + hyperintense lesion (MRI).

    Returns
    -------
    Phantoms

    Examples
    --------
    >>> p = make_phantoms(4, size=64, seed=1)
    >>> p.images[0].shape, p.images[0].dtype.name, p.masks[0].dtype.name
    ((64, 64), 'uint8', 'bool')
    >>> p.labels.tolist()
    ['benign', 'malignant', 'benign', 'malignant']
    """
    _check_args(n, size, difficulty, modality)
    children = np.random.SeedSequence(seed).spawn(int(n))
    images, masks, cues = [], [], []
    labels = np.array([CLASSES[i % 2] for i in range(n)])
    for i in range(n):
        img, mask, c = make_phantom(np.random.default_rng(children[i]), int(size), labels[i], float(difficulty),
                                    modality)
        images.append(img)
        masks.append(mask)
        cues.append(c)
    groups = np.array([f"phantom_{i:05d}" for i in range(n)])
    return Phantoms(images=images, masks=masks, labels=labels, groups=groups, cues=np.array(cues))


def _write_png_atomic(path: Path, array: np.ndarray) -> None:
    from PIL import Image

    tmp = path.with_name(f".{path.name}.tmp")
    Image.fromarray(array).save(tmp, format="PNG")
    os.replace(tmp, path)


def write_synthetic_dataset(
    out, n: int = 200, size: int = 128, seed: int = 0, difficulty: float = 0.5, modality: str = "ultrasound"
) -> Path:
    """Write :func:`make_phantoms` output as a ``folder``-layout dataset and return ``out``.

    Files: ``out/<class>/<class>_0001.png`` (8-bit grey) and ``out/<class>/<class>_0001_mask.png``
    (0/255), numbered per class from 1; ``out/synthetic.json`` records the parameters. Each file
    is written atomically (temporary file + :func:`os.replace`); existing files of the same name
    are overwritten.
    """
    _check_args(n, size, difficulty, modality)
    out = Path(out)
    ph = make_phantoms(n, size=size, seed=seed, difficulty=difficulty, modality=modality)
    width = max(4, len(str(n)))
    counters = dict.fromkeys(CLASSES, 0)
    for cls in CLASSES:
        (out / cls).mkdir(parents=True, exist_ok=True)
    for img, mask, label in zip(ph.images, ph.masks, ph.labels):
        counters[label] += 1
        stem = f"{label}_{counters[label]:0{width}d}"
        _write_png_atomic(out / label / f"{stem}.png", img)
        _write_png_atomic(out / label / f"{stem}_mask.png", mask.astype(np.uint8) * 255)
    meta = {"generator": "hybrid.data.synthetic", "n": n, "size": size, "seed": seed,
            "difficulty": difficulty, "modality": modality, "numpy": np.__version__}
    tmp = out / ".synthetic.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    os.replace(tmp, out / "synthetic.json")
    return out
