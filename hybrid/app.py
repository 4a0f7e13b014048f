"""Gradio demo: upload a scan, choose a model, see class probabilities and the tumor outline.

A thin shell over the library: models are loaded with :func:`hybrid.models.load_model`
from the sub-folders of a models directory (one saved model per folder; its folder name is
its name in the dropdown). Classifiers (anything with ``predict_proba``) appear in the
dropdown; a segmenter among them (``kind`` ``"segmenter"``) draws its predicted mask over
the image.

With no models directory, :func:`train_default_models` first trains small models on the
synthetic phantoms (:mod:`hybrid.data.synthetic`) so the page works on a fresh machine.

Safety: the server binds to ``127.0.0.1`` unless told otherwise, uploads are limited in
size (``max_file_size``), and an unreadable upload shows an error in the page while the
server keeps serving.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DemoModels", "discover_models", "classify", "train_default_models", "build_app", "launch"]

#: Extensions offered in the file picker (content is sniffed anyway; see hybrid.data.read_image).
UPLOAD_TYPES = [".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".dcm"]


@dataclass
class DemoModels:
    """The models the page serves: classifiers by name, and an optional segmenter."""

    classifiers: dict[str, Any] = field(default_factory=dict)
    segmenter: Any | None = None
    segmenter_name: str | None = None


def _kind(folder: Path) -> str | None:
    cfg = folder / "config.json"
    if not cfg.is_file():
        return None
    try:
        return json.loads(cfg.read_text()).get("kind")
    except (OSError, json.JSONDecodeError):
        return None


def discover_models(models_dir: str | Path, *, trust_pickle: bool = False) -> DemoModels:
    """Load every saved model under ``models_dir`` (one per sub-folder holding ``config.json``).

    Raises
    ------
    FileNotFoundError
        When ``models_dir`` does not exist.
    ValueError
        When it holds no loadable classifier.
    """
    from hybrid.models import load_model

    root = Path(models_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"models directory not found: {root}")
    found = DemoModels()
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        kind = _kind(folder)
        if kind is None:
            continue
        model = load_model(folder, trust_pickle=trust_pickle)
        if kind == "segmenter":
            found.segmenter, found.segmenter_name = model, folder.name
        elif hasattr(model, "predict_proba"):
            found.classifiers[folder.name] = model
    if not found.classifiers:
        raise ValueError(f"no saved classifier found under {root} (each model is a folder with config.json)")
    return found


def _overlay(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Grey image (scaled to uint8) with the mask outline in green and a light green fill."""
    from scipy import ndimage

    grey = image.astype(np.float64)
    if grey.ndim == 3:
        grey = grey.mean(axis=-1)
    lo, hi = float(grey.min()), float(grey.max())
    grey = np.zeros_like(grey) if hi <= lo else (grey - lo) / (hi - lo)
    rgb = np.repeat((grey * 255).astype(np.uint8)[..., None], 3, axis=-1)
    mask = mask.astype(bool)
    fill = rgb[mask].astype(np.float64)
    fill[:, 1] = 0.6 * fill[:, 1] + 0.4 * 255
    rgb[mask] = fill.astype(np.uint8)
    edge = mask & ~ndimage.binary_erosion(mask, iterations=2)
    rgb[edge] = (0, 255, 0)
    return rgb


def classify(models: DemoModels, model_name: str, image: np.ndarray) -> dict[str, Any]:
    """Run one classifier (and the segmenter, if any) on one image.

    Returns
    -------
    dict
        ``probabilities`` (class -> float, summing to 1), ``predicted``, ``confidence``
        (the largest probability), ``inference_ms`` and ``overlay`` (RGB array or None).
    """
    if model_name not in models.classifiers:
        raise ValueError(f"unknown model {model_name!r}; choose one of {sorted(models.classifiers)}")
    model = models.classifiers[model_name]
    t0 = time.perf_counter()
    proba = np.asarray(model.predict_proba([image]), dtype=np.float64)[0]
    elapsed_ms = (time.perf_counter() - t0) * 1000.0
    classes = [str(c) for c in model.classes_]
    best = int(np.argmax(proba))
    overlay = None
    if models.segmenter is not None:
        mask = np.asarray(models.segmenter.predict([image])[0], dtype=bool)
        overlay = _overlay(image, mask)
    return {
        "probabilities": {c: float(p) for c, p in zip(classes, proba)},
        "predicted": classes[best],
        "confidence": float(proba[best]),
        "inference_ms": elapsed_ms,
        "overlay": overlay,
    }


def _result_markdown(result: dict[str, Any], model_name: str) -> str:
    rows = "\n".join(f"| {c} | {p:.6f} |" for c, p in result["probabilities"].items())
    return (
        f"**Prediction:** {result['predicted']} (confidence {result['confidence']:.1%}) "
        f"with `{model_name}` in {result['inference_ms']:.1f} ms\n\n"
        f"| class | probability |\n|---|---|\n{rows}\n"
    )


def train_default_models(out_dir: str | Path, *, seed: int = 0, n: int = 120, size: int = 64) -> Path:
    """Train small demo models on synthetic phantoms and save them under ``out_dir``.

    Trains a handcrafted+SVM pipeline, a small CNN and a U-Net segmenter (random-init, a few
    epochs: for showing the page, not for clinical use). Folders already present are reused.
    """
    from tqdm.auto import tqdm

    from hybrid.data.synthetic import make_phantoms
    from hybrid.models import CNNClassifier, make_pipeline, save_model
    from hybrid.segmentation import Segmenter

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = make_phantoms(n, size=size, seed=seed)
    images, labels, masks = data.images, data.labels, data.masks
    jobs = {
        "handcrafted-svm": lambda: make_pipeline("handcrafted", "svm", random_state=seed).fit(images, labels),
        "cnn-resnet18": lambda: CNNClassifier(
            backbone="resnet18", weights=None, image_size=size, epochs=3, batch_size=16, random_state=seed,
            progress=False,
        ).fit(images, labels),
        "segmenter-unet": lambda: Segmenter(
            arch="unet", image_size=size, epochs=4, batch_size=16, random_state=seed, progress=False
        ).fit(images, masks),
    }
    for name, train in tqdm(jobs.items(), desc="training demo models", unit="model"):
        if (out / name / "config.json").is_file():
            continue
        save_model(train(), out / name)
    return out


def _example_files(out_dir: Path, seed: int = 1, n: int = 4) -> list[str]:
    from PIL import Image

    from hybrid.data.synthetic import make_phantoms

    out_dir.mkdir(parents=True, exist_ok=True)
    data = make_phantoms(n, size=128, seed=seed)
    paths = []
    for i, (image, label) in enumerate(zip(data.images, data.labels)):
        path = out_dir / f"synthetic_{label}_{i}.png"
        if not path.exists():
            Image.fromarray(image).save(path)
        paths.append(str(path))
    return paths


def build_app(models: DemoModels, *, examples: list[str] | None = None):
    """Build the Gradio Blocks page over ``models`` (does not launch it)."""
    import gradio as gr

    from hybrid.data import read_image

    names = sorted(models.classifiers)

    def on_submit(file_path: str | None, model_name: str):
        if not file_path:
            raise gr.Error("Upload an image first (PNG, JPEG, TIFF or DICOM).")
        try:
            image = read_image(file_path)
        except Exception as exc:  # shown in the page; the server keeps serving
            name = Path(file_path).name
            reason = str(exc).replace(str(file_path), name)
            raise gr.Error(f"Could not read the upload {name!r} as an image: {reason}") from exc
        try:
            result = classify(models, model_name, image)
        except Exception as exc:
            raise gr.Error(f"The model failed on this image: {exc}") from exc
        preview = result["overlay"] if result["overlay"] is not None else _overlay(image, np.zeros(image.shape[:2]))
        return result["probabilities"], _result_markdown(result, model_name), preview

    with gr.Blocks(title="TumorTrace demo") as app:
        gr.Markdown(
            "# TumorTrace\nUpload a scan (PNG, JPEG, TIFF or DICOM), choose a model, and see the class "
            "probabilities" + (" and the predicted tumor outline." if models.segmenter is not None else ".")
            + "\n\n*Research demo — not for clinical use.*"
        )
        with gr.Row():
            with gr.Column():
                upload = gr.File(label="Scan", file_count="single", type="filepath", elem_id="upload")
                choice = gr.Dropdown(choices=names, value=names[0], label="Model", elem_id="model")
                submit = gr.Button("Classify", variant="primary", elem_id="submit")
                if examples:
                    gr.Examples(examples=[[p] for p in examples], inputs=[upload], label="Synthetic examples")
            with gr.Column():
                label = gr.Label(label="Class probabilities", elem_id="label")
                details = gr.Markdown(elem_id="result")
                picture = gr.Image(label="Image (predicted mask in green)", type="numpy", elem_id="overlay")
        submit.click(on_submit, inputs=[upload, choice], outputs=[label, details, picture])
    return app


def launch(
    models_dir: str | Path | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    max_file_size: str = "25mb",
    work_dir: str | Path = "runs/demo-app",
    trust_pickle: bool = False,
    block: bool = True,
):
    """Load (or first train) the models and serve the page. Returns the Gradio app."""
    work = Path(work_dir)
    if models_dir is None:
        print("No --models given: training small models on synthetic phantoms first ...", flush=True)
        models_dir = train_default_models(work / "models")
    models = discover_models(models_dir, trust_pickle=trust_pickle)
    app = build_app(models, examples=_example_files(work / "examples"))
    app.queue(default_concurrency_limit=1)
    app.launch(
        server_name=host,
        server_port=port,
        max_file_size=max_file_size,
        prevent_thread_lock=not block,
        show_error=True,
        quiet=not block,
    )
    return app
