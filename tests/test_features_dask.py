"""A batch spread over a Dask cluster through joblib gives the serial matrix."""

from __future__ import annotations

import numpy as np
import pytest

from features.handcrafted import HandcraftedFeatures

distributed = pytest.importorskip("dask.distributed")
joblib = pytest.importorskip("joblib")


def test_dask_backend_matches_serial():
    rng = np.random.default_rng(0)
    ims = [rng.integers(0, 256, (int(rng.integers(30, 70)), int(rng.integers(30, 70))), dtype=np.uint8) for _ in range(12)]
    ims.append(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8))
    kwargs = dict(extractors=("hog", "sobel"), image_size=32, params={"hog": {"cells_per_block": (2, 2)}})
    serial = HandcraftedFeatures(**kwargs).fit(ims).transform(ims)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        with distributed.Client(cluster), joblib.parallel_backend("dask"):
            on_dask = HandcraftedFeatures(n_jobs=-1, **kwargs).fit(ims).transform(ims)
    np.testing.assert_array_equal(on_dask, serial)
    assert on_dask.shape == (13, serial.shape[1])
