"""The Gradio demo: unit checks of its functions, and an end-to-end run in headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest

gr = pytest.importorskip("gradio", reason="the demo extra (gradio) is not installed")

from hybrid.app import DemoModels, _result_markdown, build_app, classify, discover_models  # noqa: E402
from hybrid.data import read_image  # noqa: E402
from hybrid.data.synthetic import make_phantoms  # noqa: E402
from hybrid.models import make_pipeline, save_model  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "runs" / "test-artifacts"


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    """Two small classifiers trained on synthetic phantoms, saved in the tumortrace format."""
    data = make_phantoms(60, size=64, seed=3)
    root = tmp_path_factory.mktemp("models")
    for name, clf in (("handcrafted-svm", "svm"), ("handcrafted-logreg", "logreg")):
        model = make_pipeline("handcrafted", clf, random_state=0).fit(data.images, data.labels)
        save_model(model, root / name)
    return root


def test_discover_and_classify(models_dir):
    models = discover_models(models_dir)
    assert sorted(models.classifiers) == ["handcrafted-logreg", "handcrafted-svm"]
    image = make_phantoms(1, size=80, seed=9).images[0]
    out = classify(models, "handcrafted-svm", image)
    expected = models.classifiers["handcrafted-svm"].predict_proba([image])[0]
    assert list(out["probabilities"].values()) == pytest.approx(list(expected))
    assert sum(out["probabilities"].values()) == pytest.approx(1.0)
    assert out["predicted"] == max(out["probabilities"], key=out["probabilities"].get)
    assert "| class | probability |" in _result_markdown(out, "handcrafted-svm")


class _SquareSegmenter:
    """Stands in for a trained Segmenter: predicts a fixed square, at the input's size."""

    def predict(self, images):
        out = []
        for im in images:
            mask = np.zeros(np.asarray(im).shape[:2], bool)
            mask[4:12, 4:12] = True
            out.append(mask)
        return out


def test_segmenter_outline_is_drawn_in_green(models_dir):
    models = discover_models(models_dir)
    models.segmenter = _SquareSegmenter()
    image = make_phantoms(1, size=32, seed=2).images[0]
    overlay = classify(models, "handcrafted-svm", image)["overlay"]
    assert overlay.shape == (32, 32, 3) and overlay.dtype == np.uint8
    assert tuple(overlay[4, 4]) == (0, 255, 0)          # outline pixel
    assert overlay[20, 20, 0] == overlay[20, 20, 1] == overlay[20, 20, 2]  # outside the mask: grey
    assert overlay[8, 8, 1] > overlay[8, 8, 0]                           # inside: tinted green
    assert not (overlay[0:3, 0:3] == (0, 255, 0)).all(axis=-1).any()


def test_discover_rejects_missing_and_empty(tmp_path):
    with pytest.raises(FileNotFoundError, match="models directory not found"):
        discover_models(tmp_path / "nope")
    with pytest.raises(ValueError, match="no saved classifier"):
        discover_models(tmp_path)


def test_classify_unknown_model_names_choices():
    with pytest.raises(ValueError, match="unknown model 'x'"):
        classify(DemoModels(classifiers={"a": object()}), "x", np.zeros((8, 8)))


def _ensure_chromium() -> str:
    """The test setup installs Debian's chromium when it is missing (root + apt), as CI needs."""
    if not Path(CHROMIUM).exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            check=False,
            timeout=900,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing and could not be installed (needs root and apt-get)")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _real_or_synthetic_upload(tmp_path: Path) -> Path:
    from conftest import BUSI

    real = BUSI / "malignant" / "malignant (1).png"
    if real.is_file():
        return real
    from PIL import Image

    path = tmp_path / "synthetic.png"
    Image.fromarray(make_phantoms(1, size=128, seed=5).images[0]).save(path)
    return path


def _read_table(page) -> dict[str, float]:
    rows = page.locator("#result table tbody tr")
    out = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        out[cells.nth(0).inner_text().strip()] = float(cells.nth(1).inner_text().strip())
    return out


@pytest.mark.browser
def test_demo_end_to_end_in_chromium(models_dir, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    expect = playwright.expect
    chromium = _ensure_chromium()
    models = discover_models(models_dir)
    app = build_app(models)
    port = _free_port()
    app.queue(default_concurrency_limit=1)
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, max_file_size="25mb")
    upload = _real_or_synthetic_upload(tmp_path)
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not an image\n")
    chosen = "handcrafted-logreg"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
            page.locator("#submit").wait_for(timeout=60_000)

            def submit(path: Path) -> None:
                page.locator("#upload input[type=file]").set_input_files(str(path))
                try:  # the upload box shows the file (Gradio may split its name across elements)
                    expect(page.locator("#upload")).to_contain_text(path.stem, timeout=60_000)
                except AssertionError:
                    page.screenshot(path=str(ARTIFACTS / "demo-upload-failed.png"), full_page=True)
                    raise
                page.wait_for_load_state("networkidle")
                page.locator("#submit").click()

            def choose(model: str) -> None:
                page.locator("#model input").click()
                page.get_by_role("option", name=model).click()

            def check_result(model: str) -> None:
                expect(page.locator("#result")).to_contain_text(model, timeout=60_000)
                expected = dict(zip(map(str, models.classifiers[model].classes_),
                                    models.classifiers[model].predict_proba([read_image(upload)])[0]))
                shown = _read_table(page)
                assert sum(shown.values()) == pytest.approx(1.0, abs=1e-5)
                assert shown == pytest.approx(expected, abs=1e-6)

            choose(chosen)
            submit(upload)
            check_result(chosen)
            page.screenshot(path=str(ARTIFACTS / "demo.png"), full_page=True)

            # a text file: an error in the page ...
            page.locator("#upload button[aria-label='Clear']").first.click()
            submit(bad)
            expect(page.get_by_text("Could not read the upload").filter(visible=True).first).to_be_visible(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "demo-error.png"), full_page=True)

            # ... and the server keeps serving: a fresh result from the other model
            other = next(name for name in models.classifiers if name != chosen)
            page.locator("#upload button[aria-label='Clear']").first.click()
            choose(other)
            submit(upload)
            check_result(other)
            browser.close()
    finally:
        app.close()
