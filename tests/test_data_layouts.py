"""hybrid.data layouts + Dataset + load_dataset: small data sets written here, bad inputs, real data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tifffile
from PIL import Image

from hybrid.data import DataError, Dataset, Record, load_dataset
from hybrid.data.layouts import detect_layout, scan_layout

RNG = np.random.default_rng(1)


def _img(shape=(20, 24), seed=None):
    rng = np.random.default_rng(seed) if seed is not None else RNG
    return rng.integers(0, 256, shape, dtype=np.uint8)


def _save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, format="PNG")
    return path


def _mask(shape, box):
    m = np.zeros(shape, np.uint8)
    r0, r1, c0, c1 = box
    m[r0:r1, c0:c1] = 255
    return m


@pytest.fixture
def folder_ds(tmp_path):
    """2 classes x 3 images; cat_1 has two masks (OR), dog_3 has none."""
    root = tmp_path / "ds"
    for cls in ("cat", "dog"):
        for k in (1, 2, 10):  # fixed seeds (not hash(), which varies per process), none equal to 99
            _save(root / cls / f"{cls}_{k}.png", _img(seed=100 * (cls == "dog") + k))
    _save(root / "cat" / "cat_1_mask.png", _mask((20, 24), (2, 5, 2, 5)))
    _save(root / "cat" / "cat_1_mask_1.png", _mask((20, 24), (10, 12, 10, 12)))
    for k in (2, 10):
        _save(root / "cat" / f"cat_{k}_mask.png", _mask((20, 24), (0, 1, 0, 1)))
    for k in (1, 2):
        _save(root / "dog" / f"dog_{k}_mask.png", np.zeros((20, 24), np.uint8))
    (root / "dog" / "README.txt").write_text("ignored: not an image extension")
    return root


def test_folder_layout_records(folder_ds):
    ds = load_dataset(folder_ds, progress=False)
    assert ds.layout == "folder" and ds.classes == ["cat", "dog"]
    assert [r.path.name for r in ds.records] == ["cat_1.png", "cat_2.png", "cat_10.png",
                                                 "dog_1.png", "dog_2.png", "dog_10.png"]  # numeric order
    assert ds.y.tolist() == [0, 0, 0, 1, 1, 1]
    assert ds.groups.tolist()[:3] == ["cat/cat_1", "cat/cat_2", "cat/cat_10"]
    assert len(ds.records[0].mask_paths) == 2 and ds.records[5].mask_paths == ()
    expected = (_mask((20, 24), (2, 5, 2, 5)) > 0) | (_mask((20, 24), (10, 12, 10, 12)) > 0)
    np.testing.assert_array_equal(ds.read_mask(0), expected)
    m = ds.read_mask(5)
    assert m.dtype == bool and m.shape == (20, 24) and not m.any()
    assert ds.read_image(0).dtype == np.uint8
    s = ds.summary()
    assert s == {"layout": "folder", "n_images": 6, "classes": {"cat": 3, "dog": 3}, "n_masks": 5, "n_groups": 6,
                 "n_duplicate_groups": 0, "unreadable": []}


def test_subset_and_filter_classes(folder_ds):
    ds = load_dataset(folder_ds, progress=False)
    sub = ds.subset([4, 0])
    assert isinstance(sub, Dataset) and sub.labels.tolist() == ["dog", "cat"] and sub.classes == ds.classes
    only = ds.filter_classes(["dog"])
    assert only.classes == ["dog"] and len(only) == 3 and only.y.tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="bird"):
        ds.filter_classes(["bird"])


def test_near_duplicates_merge_groups(folder_ds):
    dup = _img(seed=99)
    _save(folder_ds / "cat" / "cat_20.png", dup)
    noisy = np.clip(dup.astype(int) + np.random.default_rng(5).integers(-3, 4, dup.shape), 0, 255).astype(np.uint8)
    _save(folder_ds / "dog" / "dog_20.png", noisy)  # near-duplicate in the other class
    ds = load_dataset(folder_ds, progress=False)
    g = dict(zip([r.path.name for r in ds.records], ds.groups))
    assert g["cat_20.png"] == g["dog_20.png"] == "cat/cat_20"
    assert len(set(g.values())) == 7 and ds.summary()["n_duplicate_groups"] == 1
    plain = load_dataset(folder_ds, progress=False, duplicates=False)
    assert len(set(plain.groups)) == 8


def test_busi_layout_detected(tmp_path):
    root = tmp_path / "busi"
    for cls in ("benign", "malignant", "normal"):
        for n in (1, 2):
            _save(root / cls / f"{cls} ({n}).png", _img(seed=n + len(cls)))
            _save(root / cls / f"{cls} ({n})_mask.png", _mask((20, 24), (1, 3, 1, 3)))
    _save(root / "benign" / "benign (2)_mask_1.png", _mask((20, 24), (5, 9, 5, 9)))
    assert detect_layout(root) == "busi"
    ds = load_dataset(root, progress=False)
    assert ds.classes == ["benign", "malignant", "normal"] and ds.summary()["n_masks"] == 6
    assert ds.read_mask(1).sum() == 4 + 16


def _write_lgg(root, patients=2, slices=3, positive=(1,)):
    for p in range(patients):
        name = f"TCGA_XX_{p:04d}_20000101"
        (root / name).mkdir(parents=True, exist_ok=True)
        for n in range(1, slices + 1):
            image = np.random.default_rng(p * 100 + n).integers(0, 255, (16, 16, 3), dtype=np.uint8)
            tifffile.imwrite(root / name / f"{name}_{n}.tif", image, photometric="rgb", compression="zlib")
            m = np.zeros((16, 16), np.uint8)
            if n in positive:
                m[4:8, 4:8] = 255
            tifffile.imwrite(root / name / f"{name}_{n}_mask.tif", m)
    return root


def test_lgg_layout(tmp_path):
    root = _write_lgg(tmp_path / "lgg", patients=2, slices=11, positive=(2, 10))
    (root / "data.csv").write_text("Patient,x\n")
    assert detect_layout(root) == "lgg"
    ds = load_dataset(root, progress=False)
    assert ds.classes == ["no_tumor", "tumor"]
    names = [r.path.name for r in ds.records[:11]]
    assert names[:3] == ["TCGA_XX_0000_20000101_1.tif", "TCGA_XX_0000_20000101_2.tif", "TCGA_XX_0000_20000101_3.tif"]
    assert names[-1].endswith("_11.tif")
    assert ds.labels[:11].tolist().count("tumor") == 2 and ds.labels[1] == "tumor" and ds.labels[9] == "tumor"
    assert ds.read_image(0).shape == (16, 16, 3) and ds.read_image(0, channels=1).shape == (16, 16)
    s = ds.summary()
    assert s["n_groups"] == 2 and s["n_positive"] == 4 and s["n_duplicate_groups"] == 0


def test_csv_layout(tmp_path):
    d = tmp_path / "c"
    _save(d / "img" / "a.png", _img(seed=1))
    _save(d / "img" / "b.png", _img(seed=2))
    _save(d / "img" / "c.png", _img(seed=3))
    _save(d / "img" / "a_m1.png", _mask((20, 24), (0, 2, 0, 2)))
    _save(d / "img" / "a_m2.png", _mask((20, 24), (5, 6, 5, 6)))
    manifest = d / "list.csv"
    manifest.write_text("path,label,mask,group\nimg/a.png,tumor,img/a_m1.png;img/a_m2.png,P1\n"
                        "img/b.png,normal,,P1\nimg/c.png,tumor,,P2\n")
    ds = load_dataset(manifest, progress=False)
    assert ds.layout == "csv" and ds.classes == ["normal", "tumor"]
    assert ds.groups.tolist() == ["P1", "P1", "P2"] and ds.read_mask(0).sum() == 5


# ---- bad inputs -------------------------------------------------------------------------


def test_missing_empty_unknown(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_dataset(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="empty"):
        load_dataset(tmp_path / "empty")
    with pytest.raises(DataError, match="unknown layout 'voc'"):
        load_dataset(tmp_path / "empty", layout="voc")
    with pytest.raises(ValueError, match="on_error"):
        load_dataset(tmp_path / "empty", on_error="ignore")


def test_one_class_folder(tmp_path):
    _save(tmp_path / "only" / "tumor" / "x.png", _img())
    with pytest.raises(DataError, match="only one class.*'tumor'"):
        load_dataset(tmp_path / "only", layout="folder")


@pytest.mark.parametrize("problem", ["corrupt", "truncated", "not_image", "mask_size"])
def test_bad_file_raise_or_skip(folder_ds, problem):
    bad = folder_ds / "dog" / "dog_2.png"
    if problem == "corrupt":
        data = bytearray(bad.read_bytes())
        data[40:200] = b"\xff" * 160
        bad.write_bytes(bytes(data))
    elif problem == "truncated":
        bad.write_bytes(bad.read_bytes()[:60])
    elif problem == "not_image":
        bad.write_text("patient list, not an image")
    else:
        bad = _save(folder_ds / "dog" / "dog_2_mask.png", np.zeros((21, 24), np.uint8))
    with pytest.raises(DataError, match=str(bad).replace("(", r"\(")):
        load_dataset(folder_ds, progress=False)
    with pytest.warns(UserWarning, match="dog_2") as rec:
        ds = load_dataset(folder_ds, on_error="skip", progress=False)
    assert len(rec) == 1 and len(ds) == 5 and "dog_2.png" not in [r.path.name for r in ds.records]
    assert [u["path"] for u in ds.summary()["unreadable"]] == [str(bad)]


def test_orphan_mask_reported(folder_ds):
    _save(folder_ds / "dog" / "ghost_mask.png", np.zeros((20, 24), np.uint8))
    with pytest.raises(DataError, match="ghost_mask.png: mask without an image"):
        load_dataset(folder_ds, progress=False)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        ds = load_dataset(folder_ds, on_error="skip", progress=False)
    assert len(ds) == 6 and len(ds.unreadable) == 1


def test_lgg_slice_without_mask(tmp_path):
    root = _write_lgg(tmp_path / "lgg", patients=2, slices=3)
    gone = root / "TCGA_XX_0001_20000101" / "TCGA_XX_0001_20000101_2_mask.tif"
    gone.unlink()
    with pytest.raises(DataError, match="TCGA_XX_0001_20000101_2.tif: slice without its mask"):
        load_dataset(root, progress=False)
    with pytest.warns(UserWarning, match="_2.tif"):
        assert len(load_dataset(root, on_error="skip", progress=False)) == 5


def test_csv_single_class(tmp_path):
    _save(tmp_path / "a.png", _img())
    m = tmp_path / "one.csv"
    m.write_text("path,label\na.png,tumor\n")
    with pytest.raises(DataError, match="one.csv: manifest has 1 distinct label"):
        load_dataset(m)


def test_csv_missing_column_and_file(tmp_path):
    m = tmp_path / "m.csv"
    m.write_text("file,label\na.png,x\n")
    with pytest.raises(DataError, match="lacks column"):
        load_dataset(m)
    _save(tmp_path / "a.png", _img())
    _save(tmp_path / "b.png", _img())
    m.write_text("path,label\na.png,x\nb.png,y\ngone.png,x\n")
    with pytest.raises(DataError, match="gone.png: file not found"):
        load_dataset(m)
    with pytest.warns(UserWarning, match="gone.png"):
        assert len(load_dataset(m, on_error="skip", progress=False)) == 2


def test_record_contract():
    r = Record(path=__import__("pathlib").Path("x.png"), label="a", mask_paths=(), group="g")
    assert (r.label, r.group, r.mask_paths) == ("a", "g", ())


# ---- real data (skipped with a reason when absent) ---------------------------------------


@pytest.mark.realdata
def test_busi_real_counts(busi_dir):
    scan = scan_layout(busi_dir)
    labels = [r.label for r in scan.records]
    assert scan.layout == "busi" and not scan.problems
    assert (labels.count("benign"), labels.count("malignant"), labels.count("normal")) == (437, 210, 133)
    assert sum(1 for r in scan.records if r.mask_paths) == 780
    # the folder holds 17 files "*_mask_1.png" and one "*_mask_2.png" (on one of those 17 images)
    assert sum(1 for r in scan.records if len(r.mask_paths) > 1) == 17
    assert max(len(r.mask_paths) for r in scan.records) == 3


@pytest.mark.realdata
def test_busi_real_mask_union(busi_dir):
    scan = scan_layout(busi_dir)
    rec = next(r for r in scan.records if len(r.mask_paths) == 3)
    ds = Dataset(scan.root, scan.layout, scan.classes, [rec])
    ref = np.zeros_like(ds.read_mask(0))
    for p in rec.mask_paths:  # independent reference: Pillow directly
        ref |= np.asarray(Image.open(p).convert("L")) > 0
    np.testing.assert_array_equal(ds.read_mask(0), ref)
    assert ds.read_image(0).shape == ref.shape


@pytest.mark.realdata
def test_lgg_real_patients(lgg_dir, tmp_path):
    patients = sorted(p for p in lgg_dir.iterdir() if p.is_dir())
    assert len(patients) == 36
    sub = tmp_path / "lgg3"
    sub.mkdir()
    for p in patients[:3]:
        (sub / p.name).symlink_to(p, target_is_directory=True)
    ds = load_dataset(sub, progress=False)
    ref_pos = sum(int(tifffile.imread(m).any()) for p in patients[:3] for m in p.glob("*_mask.tif"))
    assert ds.layout == "lgg" and len(set(ds.groups)) == 3
    assert ds.summary()["n_positive"] == ref_pos
    assert ds.read_image(0).shape == (256, 256, 3)
    n = [int(r.path.stem.rsplit("_", 1)[1]) for r in ds.records if r.group == patients[0].name]
    assert n == list(range(1, len(n) + 1))
