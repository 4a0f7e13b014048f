"""Speed of the handcrafted extractors against their peers (skimage, OpenCV, mahotas).

Every op is timed for ours and its peer in the same run, on the same image, with one thread
(``NUMBA_NUM_THREADS=1``, BLAS/OpenMP pools limited through threadpoolctl,
``cv2.setNumThreads(1)``): one warm-up call, then the median of ``repeats`` single calls, both
wall clock and CPU time of the calling thread (``*_cpu_ms``, ``speedup_cpu``; the robust figure
on a loaded machine).
Images: uniform random ``uint8`` squares of each size, and — when the data is present — a real
BUSI ultrasound image resized to the same square (op name suffixed ``@busi``).

What is compared (also written into ``speed.json`` under ``"compared"``):

* ``hog`` — ``features.hog.hog`` vs ``skimage.feature.hog``, both defaults (9 bins, 8x8 cells,
  3x3 blocks, L2-Hys);
* ``hog_2x2`` — our ``hog(cells_per_block=(2, 2))`` (L2-Hys) vs ``cv2.HOGDescriptor`` with
  ``winSize`` = image, ``blockSize`` 16, ``blockStride`` 8, ``cellSize`` 8, ``nbins`` 9: the
  closest OpenCV setting (OpenCV also interpolates votes and weights blocks with a Gaussian, so
  the numbers differ; the work is comparable);
* ``lbp`` — ``lbp_histogram(P=8, R=1, "uniform")`` vs ``skimage.feature.local_binary_pattern``
  + ``np.bincount``;
* ``glcm`` — the 6 classic properties of the 256-level GLCMs (distance 1, 4 angles,
  symmetric) of an image: ``features.glcm.glcm_props`` (counts and reads one matrix per
  offset) vs ``skimage.feature.graycomatrix(normed=True)`` + ``graycoprops``, the same numbers;
* ``glcm_matrix`` — the drop-in pair: our ``graycomatrix(normed=True)`` (the full
  ``(256, 256, 1, 4)`` float64 array) + ``graycoprops`` vs skimage's pair;
* ``haralick`` — ``features.glcm.haralick`` vs ``mahotas.features.haralick``;
* ``sobel`` — ``features.sobel.sobel`` (dx and dy) vs two ``cv2.Sobel`` calls (CV_64F);
* ``mvm_lbp``, ``mvmbp`` — ours only (no public peer): ``peer`` and ``peer_ms`` are null.

Plus: ``full_vector_ms`` (``HandcraftedFeatures().transform([image])``, default extractors,
one image of the first size, one thread; the call's own overhead included), ``batch_images_per_s`` (64 images, ``n_jobs=-1``, all cores),
``cold_start_s`` (wall time of a fresh ``python -c`` that imports ``features`` and computes one
full vector with the function ``features.handcrafted_vector``, which does not import
scikit-learn; with the ahead-of-time kernels of ``tumortrace build-kernels`` it does not import
Numba either), ``cold_start_jit_s`` (the same forced onto the Numba JIT kernels with
``TUMORTRACE_KERNELS=jit``, warm Numba cache) and ``cold_start_transformer_s`` (the same with
``HandcraftedFeatures().fit_transform``, which imports scikit-learn). Each is warmed by a
first run. They include the interpreter start and every import; with the JIT kernels also
Numba's one-off target initialisation on the first kernel call. ``kernels`` records which
kernels ran (:func:`features._kernels.aot.backend`).

Run ``python -m benchmarks.speed --out DIR``; timings on a shared machine are noisy.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse  # noqa: E402
import datetime as _dt  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

__all__ = ["run_speed", "format_markdown", "main"]

GLCM_PROPS6 = ("contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation")
ANGLES4 = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)
COMPARED = {
    "hog": "features.hog.hog vs skimage.feature.hog; both 9 bins, 8x8 cells, 3x3 blocks, L2-Hys",
    "hog_2x2": "features.hog.hog(cells_per_block=(2, 2), L2-Hys) vs cv2.HOGDescriptor(winSize=image, "
    "blockSize=16, blockStride=8, cellSize=8, nbins=9)",
    "lbp": "features.lbp.lbp_histogram(P=8, R=1, uniform) vs skimage local_binary_pattern + np.bincount",
    "glcm": "features.glcm.glcm_props(256 levels, d=1, 4 angles, symmetric, 6 props) vs skimage.feature "
    "graycomatrix(normed=True) + 6 graycoprops calls (same numbers)",
    "glcm_matrix": "features.glcm graycomatrix(256 levels, d=1, 4 angles, symmetric, normed) + graycoprops of 6 props "
    "in one call vs skimage.feature graycomatrix + 6 graycoprops calls",
    "haralick": "features.glcm.haralick vs mahotas.features.haralick (13 features x 4 directions)",
    "sobel": "features.sobel.sobel (dx, dy) vs cv2.Sobel CV_64F ksize=3 REFLECT_101, dx and dy",
    "mvm_lbp": "features.patterns mvm_lbp histogram (ours only, no peer)",
    "mvmbp": "features.patterns mvmbp histogram (ours only, no peer)",
}
_COLD_IMAGE = "import numpy as np, features; im = np.random.default_rng(0).integers(0, 256, (224, 224), dtype=np.uint8); "
#: ``key: (snippet, extra environment)``: the functional full vector (no scikit-learn; AOT
#: kernels when built), the same on the JIT kernels, and the scikit-learn transformer
_COLD_SNIPPETS = {
    "cold_start": (_COLD_IMAGE + "features.handcrafted_vector(im)", {}),
    "cold_start_jit": (_COLD_IMAGE + "features.handcrafted_vector(im)", {"TUMORTRACE_KERNELS": "jit"}),
    "cold_start_transformer": (_COLD_IMAGE + "features.HandcraftedFeatures().fit_transform([im])", {}),
}


def _median_ms(func: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall time and median CPU time (``time.thread_time``) of ``repeats`` calls, in ms.

    Every timed op runs in the calling thread (one-thread pools), so the thread's CPU time is
    its whole work; on a loaded machine it is far less noisy than the wall clock, which also
    counts the time the process waits to be scheduled.
    """
    func()  # warm-up (JIT compile / cache load, allocator)
    wall, cpu = [], []
    for _ in range(repeats):
        c0 = time.thread_time()
        t0 = time.perf_counter()
        func()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    return 1e3 * statistics.median(wall), 1e3 * statistics.median(cpu)


def _default_busi() -> Path | None:
    root = Path(os.environ.get("TUMORTRACE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    path = root / "busi" / "Dataset_BUSI_with_GT" / "benign" / "benign (1).png"
    return path if path.is_file() else None


def _load_busi(busi_image) -> np.ndarray | None:
    if busi_image is False:
        return None
    path = _default_busi() if busi_image is None else Path(busi_image)
    if path is None:
        return None
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("L"))


def _peer_ops(image: np.ndarray) -> list[tuple[str, Callable, str | None, Callable | None]]:
    """``(op, ours, peer_name, peer)`` for one image."""
    import cv2
    import mahotas
    from skimage import feature as skf

    from features.glcm import glcm_props, graycomatrix, graycoprops, haralick
    from features.hog import hog
    from features.lbp import lbp_histogram
    from features.sobel import sobel

    size = image.shape[0]
    descriptor = cv2.HOGDescriptor((size, size), (16, 16), (8, 8), (8, 8), 9)

    def ours_glcm():
        return glcm_props(image, [1], ANGLES4, levels=256, symmetric=True, prop=GLCM_PROPS6)

    def ours_glcm_matrix():
        P = graycomatrix(image, [1], ANGLES4, levels=256, symmetric=True, normed=True)
        return graycoprops(P, GLCM_PROPS6)  # one pass for all properties

    def sk_glcm():
        P = skf.graycomatrix(image, [1], ANGLES4, levels=256, symmetric=True, normed=True)
        return [skf.graycoprops(P, p) for p in GLCM_PROPS6]

    def sk_lbp():
        codes = skf.local_binary_pattern(image, 8, 1, "uniform")
        return np.bincount(codes.astype(np.intp).ravel(), minlength=10) / codes.size

    def cv_sobel():
        kw = dict(ksize=3, borderType=cv2.BORDER_REFLECT_101)
        return cv2.Sobel(image, cv2.CV_64F, 1, 0, **kw), cv2.Sobel(image, cv2.CV_64F, 0, 1, **kw)

    ops = [
        ("hog", lambda: hog(image), "skimage.feature.hog", lambda: skf.hog(image)),
        ("hog_2x2", lambda: hog(image, cells_per_block=(2, 2)), "cv2.HOGDescriptor", lambda: descriptor.compute(image)),
        ("lbp", lambda: lbp_histogram(image, 8, 1, "uniform"), "skimage.feature.local_binary_pattern", sk_lbp),
        ("glcm", ours_glcm, "skimage.feature.graycomatrix+graycoprops", sk_glcm),
        ("glcm_matrix", ours_glcm_matrix, "skimage.feature.graycomatrix+graycoprops", sk_glcm),
        ("haralick", lambda: haralick(image), "mahotas.features.haralick", lambda: mahotas.features.haralick(image)),
        ("sobel", lambda: sobel(image), "cv2.Sobel", cv_sobel),
    ]
    try:
        from features import patterns
    except ImportError:  # pragma: no cover - patterns not installed yet
        patterns = None
    if patterns is not None:
        ops.append(("mvm_lbp", lambda: patterns.mvm_lbp_histogram(image), None, None))
        ops.append(("mvmbp", lambda: patterns.mvmbp_histogram(image), None, None))
    return ops


def _versions() -> dict:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for dist in ("tumortrace", "numpy", "numba", "scikit-image", "opencv-python-headless", "mahotas", "scikit-learn"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = None
    return out


def _machine() -> dict:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "threads_per_op": 1,
        "note": "shared machine; other jobs may have loaded the CPU during the run",
    }


def _children_cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cold_start(repeats: int, warm: bool = True) -> dict:
    """Median wall time and CPU time (user + system of the child) of a fresh interpreter, for
    each of :data:`_COLD_SNIPPETS`: ``cold_start_s`` = ``import features`` + one
    ``features.handcrafted_vector(image)`` (the functional path: no scikit-learn import);
    ``cold_start_jit_s`` = the same on the JIT kernels; ``cold_start_transformer_s`` = ``import features`` + ``HandcraftedFeatures().fit_transform``
    (imports scikit-learn, which imports SciPy's stats and pandas)."""
    out = {}
    for key, (snippet, extra_env) in _COLD_SNIPPETS.items():
        env = dict(os.environ, **extra_env)
        cmd = [sys.executable, "-c", snippet]
        if warm:  # fill the Numba cache first (this process has compiled the same kernels anyway)
            subprocess.run(cmd, check=True, env=env, capture_output=True)
        times, cpu = [], []
        for _ in range(max(1, repeats)):
            c0 = _children_cpu_s()
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, env=env, capture_output=True)
            times.append(time.perf_counter() - t0)
            cpu.append(_children_cpu_s() - c0)
        out[f"{key}_s"] = round(statistics.median(times), 4)
        out[f"{key}_cpu_s"] = round(statistics.median(cpu), 4)
    return out


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def run_speed(
    out_dir,
    sizes=(224, 512),
    repeats: int = 20,
    busi_image=None,
    batch_size: int = 64,
    cold_repeats: int = 3,
    warm_cold_cache: bool = True,
    seed: int = 0,
    verbose: bool = True,
) -> dict:
    """Time our extractors and their peers; write ``speed.json`` and ``speed.md`` to ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Created if missing.
    sizes : sequence of int
        Square image sides.
    repeats : int
        Timed calls per op (median reported), after one warm-up call.
    busi_image : path, None or False
        A BUSI image to add as a real image (resized to each size). None = look for
        ``$TUMORTRACE_DATA/busi/.../benign (1).png`` (default data ``../shared/data``);
        False = random images only.
    batch_size : int
        Images in the throughput run (``n_jobs=-1``).
    cold_repeats : int
        Timed fresh-interpreter runs (median).
    warm_cold_cache : bool
        Do one untimed fresh-interpreter run first, so the Numba cache is surely warm.

    Returns
    -------
    dict
        ``{"ops": [{"op", "size", "ours_ms", "peer", "peer_ms", "speedup"}], "full_vector_ms",
        "full_vector_cpu_ms", "batch_images_per_s", "cold_start_s", "cold_start_cpu_s",
        "cold_start_jit_s", "cold_start_jit_cpu_s", "cold_start_transformer_s", "cold_start_transformer_cpu_s",
        "kernels", "compared", "versions", "machine", "date", "config"}``;
        ``speedup = peer_ms / ours_ms`` (null without a peer).
    """
    import cv2
    from threadpoolctl import threadpool_limits

    from features._kernels.aot import backend as kernel_backend
    from features._prepare import resize
    from features.handcrafted import HandcraftedFeatures

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    busi = _load_busi(busi_image)
    ops = []
    previous_cv_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        with threadpool_limits(1):
            for size in sizes:
                images = [("", rng.integers(0, 256, (size, size), dtype=np.uint8))]
                if busi is not None:
                    images.append(("@busi", resize(busi, size)))
                for suffix, image in images:
                    for op, ours, peer_name, peer in _peer_ops(image):
                        ours_ms, ours_cpu = _median_ms(ours, repeats)
                        peer_ms, peer_cpu = _median_ms(peer, repeats) if peer is not None else (None, None)
                        row = {
                            "op": op + suffix,
                            "size": int(size),
                            "ours_ms": round(ours_ms, 4),
                            "peer": peer_name,
                            "peer_ms": None if peer_ms is None else round(peer_ms, 4),
                            "speedup": None if peer_ms is None else round(peer_ms / ours_ms, 2),
                            "ours_cpu_ms": round(ours_cpu, 4),
                            "peer_cpu_ms": None if peer_cpu is None else round(peer_cpu, 4),
                            "speedup_cpu": None if peer_cpu is None else round(peer_cpu / max(ours_cpu, 1e-6), 2),
                        }
                        ops.append(row)
                        if verbose:
                            print(f"  {row['op']:<14} {size:>4}  ours {ours_ms:8.3f} ms  peer {row['peer_ms']} ms", flush=True)
            union_image = rng.integers(0, 256, (sizes[0], sizes[0]), dtype=np.uint8)
            union = HandcraftedFeatures().fit([union_image])
            full_ms, full_cpu_ms = _median_ms(lambda: union.transform([union_image]), repeats)
    finally:
        cv2.setNumThreads(previous_cv_threads)
    batch = [rng.integers(0, 256, (sizes[0], sizes[0]), dtype=np.uint8) for _ in range(batch_size)]
    par = HandcraftedFeatures(n_jobs=-1).fit(batch[:1])
    par.transform(batch[:4])  # warm the worker threads
    t0 = time.perf_counter()
    par.transform(batch)
    batch_rate = batch_size / (time.perf_counter() - t0)
    result = {
        "ops": ops,
        "full_vector_ms": round(full_ms, 4),
        "full_vector_cpu_ms": round(full_cpu_ms, 4),
        "batch_images_per_s": round(batch_rate, 2),
        **_cold_start(cold_repeats, warm_cold_cache),
        "kernels": kernel_backend(),
        "compared": dict(COMPARED, full_vector=f"HandcraftedFeatures() default, transform([image]) of one "
                         f"{sizes[0]}^2 uint8 image (resized to 128^2 inside), one thread",
                         batch=f"HandcraftedFeatures(n_jobs=-1).transform of {batch_size} images {sizes[0]}^2",
                         cold_start="fresh python -c: import features + features.handcrafted_vector(image) "
                         "(no scikit-learn import; AOT kernels when built, else JIT with a warm numba cache)",
                         cold_start_jit="the same with TUMORTRACE_KERNELS=jit (numba cache warm)",
                         cold_start_transformer="fresh python -c: import features + "
                         "HandcraftedFeatures().fit_transform([image]), numba cache warm (imports scikit-learn)"),
        "versions": _versions(),
        "machine": _machine(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "config": {"sizes": list(map(int, sizes)), "repeats": repeats, "busi": busi is not None,
                   "batch_size": batch_size, "seed": seed},
    }
    _write_atomic(out / "speed.json", json.dumps(result, indent=2) + "\n")
    markdown = format_markdown(result)
    _write_atomic(out / "speed.md", markdown)
    if verbose:
        print(markdown)
    return result


def _fmt(value, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def format_markdown(result: dict) -> str:
    """Markdown table of a :func:`run_speed` result."""
    lines = [
        "| op | size | ours (ms) | peer | peer (ms) | speedup | ours CPU (ms) | peer CPU (ms) | speedup CPU |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]

    def times(value):
        return "—" if value is None else f"{value:.1f}x"

    for r in result["ops"]:
        lines.append(
            f"| {r['op']} | {r['size']} | {_fmt(r['ours_ms'])} | {r['peer'] or '—'} | {_fmt(r['peer_ms'])} | "
            f"{times(r['speedup'])} | {_fmt(r['ours_cpu_ms'])} | {_fmt(r['peer_cpu_ms'])} | {times(r['speedup_cpu'])} |"
        )
    lines += [
        "",
        f"- full handcrafted vector (transform of one image, one thread): {_fmt(result['full_vector_ms'])} ms wall, "
        f"{_fmt(result['full_vector_cpu_ms'])} ms CPU (thread time)",
        f"- batch throughput (all {result['machine']['cpu_count']} cores): {_fmt(result['batch_images_per_s'], 1)} images/s",
        f"- kernels: {result.get('kernels', {}).get('kernels', '?')} ({result.get('kernels', {}).get('reason', '')})",
        f"- cold start (fresh interpreter), handcrafted_vector: {_fmt(result['cold_start_s'], 2)} s wall, "
        f"{_fmt(result['cold_start_cpu_s'], 2)} s CPU; on the JIT kernels (warm Numba cache): "
        f"{_fmt(result.get('cold_start_jit_s'), 2)} s wall, {_fmt(result.get('cold_start_jit_cpu_s'), 2)} s CPU; "
        "HandcraftedFeatures transformer: "
        f"{_fmt(result.get('cold_start_transformer_s'), 2)} s wall, {_fmt(result.get('cold_start_transformer_cpu_s'), 2)} s CPU",
        f"- {result['machine']['note']}; {result['date']}",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder for speed.json and speed.md")
    parser.add_argument("--sizes", type=int, nargs="+", default=[224, 512])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--busi", default=None, help="path of a BUSI image (default: auto-detect)")
    parser.add_argument("--no-busi", action="store_true", help="random images only")
    args = parser.parse_args(argv)
    run_speed(args.out, sizes=tuple(args.sizes), repeats=args.repeats, busi_image=False if args.no_busi else args.busi)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
