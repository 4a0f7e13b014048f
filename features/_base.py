"""What every extractor shares: batch extraction and the scikit-learn transformer base.

One extractor = a pure function on one image (``features.hog.hog`` …), a Numba kernel
module under ``features/_kernels/``, and a transformer subclassing :class:`ImageFeatures`.
The transformer only says how to turn one image into a 1-D vector
(:meth:`ImageFeatures._extract_one`) and how its columns are named
(:meth:`ImageFeatures._feature_names`); batching, parallelism, progress, validation of the
batch and ``get_feature_names_out`` live here.

Parallelism goes through :mod:`joblib`, so a user can spread a batch over a Dask cluster::

    from dask.distributed import Client
    import joblib
    with Client(cluster), joblib.parallel_backend("dask"):
        X = HOGFeatures(n_jobs=-1).transform(images)

Without a backend context, ``n_jobs > 1`` uses threads: the kernels are ``nogil``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["ImageFeatures", "extract_batch", "as_image_list"]


def as_image_list(images: Any, name: str = "images") -> list[np.ndarray]:
    """Turn a list/tuple of images or an ``(n, H, W[, C])`` array into a list of arrays.

    Images may differ in size. A single 2-D image is rejected (wrap it in a list) so that a
    batch of one is never confused with one image's rows.
    """
    if isinstance(images, np.ndarray):
        if images.ndim < 3:
            raise ValueError(
                f"{name} must be a sequence of images or an (n, H, W[, C]) array; got an array of shape "
                f"{images.shape}. Wrap a single image in a list"
            )
        return list(images)
    if isinstance(images, (str, bytes)) or not isinstance(images, Sequence):
        raise ValueError(f"{name} must be a sequence of images, got {type(images).__name__}")
    return [np.asarray(im) for im in images]


def _chunks(n: int, n_chunks: int) -> list[slice]:
    bounds = np.linspace(0, n, n_chunks + 1).astype(int)
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _run_chunk(func: Callable[[np.ndarray], np.ndarray], images: list[np.ndarray], offset: int) -> list[np.ndarray]:
    out = []
    for i, im in enumerate(images):
        try:
            out.append(np.asarray(func(im), dtype=np.float64).ravel())
        except Exception as exc:  # name the image that failed, never die silently halfway
            raise type(exc)(f"images[{offset + i}]: {exc}") from exc
    return out


def extract_batch(
    func: Callable[[np.ndarray], np.ndarray],
    images: Any,
    *,
    n_jobs: int | None = None,
    progress: bool = False,
    desc: str = "features",
) -> np.ndarray:
    """Apply ``func`` (one image -> 1-D vector) to every image; return ``(n, d)`` float64.

    Parameters
    ----------
    func : callable
        Pure function of one image. Must return vectors of the same length for every image.
    images : sequence of arrays or ndarray
        Images of possibly different sizes.
    n_jobs : int, optional
        Parallel workers through joblib (``None``/1 = serial, -1 = all cores). Threads are
        preferred (kernels release the GIL); an active ``joblib.parallel_backend`` (e.g.
        ``"dask"``) takes precedence.
    progress : bool
        Show a tqdm bar (serial runs: per image; parallel runs: per chunk).

    Raises
    ------
    ValueError
        Naming the index of the image that failed, or when vectors differ in length.
    """
    ims = as_image_list(images)
    if not ims:
        raise ValueError("images is empty; expected at least one image")
    n_jobs = 1 if n_jobs is None else int(n_jobs)
    if n_jobs == 1:
        rows = []
        it = range(len(ims))
        if progress:
            from tqdm.auto import tqdm

            it = tqdm(it, desc=desc, unit="img")
        for i in it:
            rows.extend(_run_chunk(func, [ims[i]], i))
    else:
        from joblib import Parallel, delayed, effective_n_jobs  # only batches in parallel need it

        n_chunks = min(len(ims), max(1, effective_n_jobs(n_jobs)) * 4)
        parts = _chunks(len(ims), n_chunks)
        tasks = (delayed(_run_chunk)(func, ims[s], s.start) for s in parts)
        results = Parallel(n_jobs=n_jobs, prefer="threads")(tasks)
        rows = [r for chunk in results for r in chunk]
    lengths = {r.shape[0] for r in rows}
    if len(lengths) != 1:
        raise ValueError(f"feature vectors differ in length across images: {sorted(lengths)}")
    return np.vstack(rows)


class ImageFeatures(TransformerMixin, BaseEstimator):
    """Base class of the handcrafted-feature transformers.

    Subclasses define ``__init__`` storing their parameters (scikit-learn rules: no logic in
    ``__init__``), plus:

    * ``_extract_one(self, image) -> np.ndarray`` — the feature vector of one image;
    * ``_feature_names(self) -> list[str]`` — the names of its entries, prefixed by the
      extractor (``"hog_0"``, ``"glcm_contrast_d1_a0"`` …). They must not depend on the
      image size (extractors whose length would, e.g. HOG, fix the size by resizing or by
      pooling; see their docstrings).

    ``fit`` checks the parameters by extracting the first image and records
    ``n_features_out_``; ``transform`` accepts images of differing sizes.
    """

    # Subclasses set n_jobs / progress in their __init__ signature when they want them;
    # these defaults keep the base usable when they do not.
    n_jobs: int | None = None
    progress: bool = False

    def _extract_one(self, image: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _feature_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, X: Any, y: Any = None) -> "ImageFeatures":
        ims = as_image_list(X, "X")
        if not ims:
            raise ValueError("X is empty; expected at least one image")
        first = np.asarray(self._extract_one(ims[0]), dtype=np.float64).ravel()
        names = self._feature_names()
        if len(names) != first.shape[0]:
            raise RuntimeError(
                f"{type(self).__name__}: {len(names)} feature names for {first.shape[0]} features"
            )
        self.n_features_out_ = first.shape[0]
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        out = extract_batch(
            self._extract_one, X, n_jobs=self.n_jobs, progress=self.progress, desc=type(self).__name__
        )
        if out.shape[1] != self.n_features_out_:
            raise ValueError(
                f"{type(self).__name__} produced {out.shape[1]} features, but was fitted with "
                f"{self.n_features_out_}; parameters changed after fit?"
            )
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        return np.asarray(self._feature_names(), dtype=object)

    def __sklearn_tags__(self):  # images in, not a tabular 2-D X
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags
