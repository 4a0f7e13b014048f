"""hybrid.data.readers: every format from small files written here, content sniffing, bad files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from PIL import Image

from hybrid.data.readers import ImageReadError, read_image, read_mask, read_volume, sniff_format

RNG = np.random.default_rng(0)
GREY8 = RNG.integers(0, 256, (12, 17), dtype=np.uint8)
GREY16 = RNG.integers(0, 65536, (12, 17), dtype=np.uint16)
RGB8 = RNG.integers(0, 256, (12, 17, 3), dtype=np.uint8)


@pytest.mark.parametrize("fmt, ext", [("PNG", ".png"), ("BMP", ".bmp"), ("TIFF", ".tif")])
def test_lossless_grey_roundtrip(tmp_path, fmt, ext):
    p = tmp_path / f"a{ext}"
    Image.fromarray(GREY8).save(p, format=fmt)
    out = read_image(p)
    assert out.dtype == np.uint8 and out.shape == GREY8.shape
    np.testing.assert_array_equal(out, GREY8)


def test_png_16bit_kept(tmp_path):
    p = tmp_path / "a16.png"
    Image.fromarray(GREY16).save(p)
    out = read_image(p)
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, GREY16)


def test_rgb_png_channels(tmp_path):
    p = tmp_path / "rgb.png"
    Image.fromarray(RGB8).save(p)
    np.testing.assert_array_equal(read_image(p), RGB8)
    np.testing.assert_array_equal(read_image(p, channels=1), RGB8[..., 1])
    np.testing.assert_array_equal(read_image(p, channels=[2, 0]), RGB8[..., [2, 0]])
    with pytest.raises(ImageReadError, match="rgb.png"):
        read_image(p, channels=5)


def test_jpeg_close_to_source(tmp_path):
    smooth = np.tile(np.linspace(0, 255, 32, dtype=np.uint8), (32, 1))
    p = tmp_path / "a.jpeg"
    Image.fromarray(smooth).save(p, quality=95)
    out = read_image(p)
    assert out.shape == smooth.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - smooth).mean() < 3


def test_png_named_jpg_read_by_content(tmp_path):
    p = tmp_path / "liar.jpg"
    Image.fromarray(GREY8).save(p, format="PNG")
    assert sniff_format(p) == "pillow"
    np.testing.assert_array_equal(read_image(p), GREY8)  # lossless: it really was read as PNG


def test_tiff_16bit_multichannel_and_planar(tmp_path):
    import tifffile

    rgb16 = RNG.integers(0, 65536, (10, 11, 3), dtype=np.uint16)
    p = tmp_path / "x.tiff"
    tifffile.imwrite(p, rgb16, photometric="rgb")
    np.testing.assert_array_equal(read_image(p), rgb16)
    planar = tmp_path / "planar.tif"
    tifffile.imwrite(planar, np.moveaxis(rgb16, -1, 0), photometric="rgb", planarconfig="separate")
    np.testing.assert_array_equal(read_image(planar), rgb16)


def test_tiff_stack_needs_index(tmp_path):
    import tifffile

    vol = RNG.integers(0, 255, (6, 9, 10), dtype=np.uint8)
    p = tmp_path / "stack.tif"
    tifffile.imwrite(p, vol)
    with pytest.raises(ImageReadError, match="pass index"):
        read_image(p)
    np.testing.assert_array_equal(read_image(p, index=4), vol[4])
    np.testing.assert_array_equal(read_volume(p), vol)


def _write_dicom(path, pixels: np.ndarray) -> None:
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "MR"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.RescaleSlope, ds.RescaleIntercept = 2, -100  # must NOT be applied (values as stored)
    ds.PixelData = pixels.astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def test_dicom_raw_values(tmp_path):
    p = tmp_path / "slice.bin"  # no .dcm extension: detected by the DICM preamble
    _write_dicom(p, GREY16)
    assert sniff_format(p) == "dicom"
    out = read_image(p)
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, GREY16)


@pytest.mark.parametrize("name", ["vol.nii", "vol.nii.gz", "vol_gz_without_extension"])
def test_nifti_slices_along_axis(tmp_path, name):
    import nibabel as nib

    vol = RNG.integers(0, 1000, (8, 9, 5)).astype(np.int16)
    img = nib.Nifti1Image(vol, np.eye(4))
    p = tmp_path / name
    raw = img.to_bytes()
    p.write_bytes(gzip.compress(raw) if not name.endswith(".nii") else raw)
    assert sniff_format(p) == "nifti1"
    np.testing.assert_array_equal(read_image(p, index=3), vol[:, :, 3])
    np.testing.assert_array_equal(read_image(p, index=2, axis=0), vol[2])
    with pytest.raises(ImageReadError, match="5 slices"):
        read_image(p)


def test_read_mask_any_channel(tmp_path):
    m = np.zeros((6, 6, 3), np.uint8)
    m[1, 2, 2] = 255
    p = tmp_path / "m.png"
    Image.fromarray(m).save(p)
    out = read_mask(p)
    assert out.dtype == bool and out.sum() == 1 and out[1, 2]


def test_one_bit_png_is_bool(tmp_path):
    p = tmp_path / "bit.png"
    Image.fromarray(GREY8 > 128).convert("1").save(p)
    out = read_image(p)
    assert out.dtype == bool
    np.testing.assert_array_equal(out, GREY8 > 128)


# ---- bad files: the error names the path -------------------------------------------------


def _truncate(path, keep: float = 0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


@pytest.mark.parametrize("fmt, ext", [("PNG", ".png"), ("JPEG", ".jpg"), ("TIFF", ".tif")])
def test_truncated_file(tmp_path, fmt, ext):
    p = tmp_path / f"trunc{ext}"
    img = RNG.integers(0, 256, (64, 64), dtype=np.uint8)
    if fmt == "TIFF":
        import tifffile

        tifffile.imwrite(p, img, compression="zlib")
    else:
        Image.fromarray(img).save(p, format=fmt)
    _truncate(p)
    with pytest.raises(ImageReadError, match="trunc"):
        read_image(p)


def test_truncated_dicom(tmp_path):
    p = tmp_path / "cut.dcm"
    _write_dicom(p, GREY16)
    _truncate(p, 0.8)
    with pytest.raises(ImageReadError, match="cut.dcm"):
        read_image(p)


def test_corrupt_png_body(tmp_path):
    p = tmp_path / "corrupt.png"
    Image.fromarray(RNG.integers(0, 256, (64, 64), dtype=np.uint8)).save(p)
    data = bytearray(p.read_bytes())
    data[60:400] = b"\x00" * 340
    p.write_bytes(bytes(data))
    with pytest.raises(ImageReadError, match="corrupt.png"):
        read_image(p)


@pytest.mark.parametrize("content", [b"hello, I am a text file\n", b""])
def test_non_image_and_empty_file(tmp_path, content):
    p = tmp_path / "notes.png"
    p.write_bytes(content)
    with pytest.raises(ImageReadError, match="notes.png") as info:
        read_image(p)
    reason = str(info.value).split("notes.png: ", 1)[1]
    assert reason == ("file is empty" if not content else
                      "not a recognised image file (content is not PNG, JPEG, BMP, GIF, WebP, TIFF, DICOM or NIfTI)")


def test_missing_file(tmp_path):
    with pytest.raises(ImageReadError, match="nope.png"):
        read_image(tmp_path / "nope.png")


# -- orientation (EXIF / TIFF tag 274) ---------------------------------------------------------
STORED = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8) * 40
#: How each Orientation value displays STORED, written out by hand from the TIFF 6.0 / EXIF spec.
DISPLAYED = {
    1: [[1, 2, 3], [4, 5, 6]],
    2: [[3, 2, 1], [6, 5, 4]],  # mirror left-right
    3: [[6, 5, 4], [3, 2, 1]],  # rotate 180
    4: [[4, 5, 6], [1, 2, 3]],  # mirror top-bottom
    5: [[1, 4], [2, 5], [3, 6]],  # transpose
    6: [[4, 1], [5, 2], [6, 3]],  # rotate 90 clockwise
    7: [[6, 3], [5, 2], [4, 1]],  # transverse
    8: [[3, 6], [2, 5], [1, 4]],  # rotate 90 counter-clockwise
}


def _exif(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif


def test_jpeg_exif_orientation_is_applied(tmp_path):
    blocks = np.kron(STORED, np.ones((16, 16), np.uint8))  # 32 x 48, flat 16-px blocks survive JPEG
    path = tmp_path / "sideways.jpg"
    Image.fromarray(blocks).save(path, quality=95, exif=_exif(6))
    got = read_image(path)
    expected = np.kron(np.array(DISPLAYED[6], np.uint8) * 40, np.ones((16, 16), np.uint8))
    assert got.shape == (48, 32)  # height and width swapped
    assert np.abs(got.astype(int) - expected).mean() < 2
    plain = tmp_path / "plain.jpg"
    Image.fromarray(blocks).save(plain, quality=95)
    assert read_image(plain).shape == (32, 48)


@pytest.mark.parametrize("orientation", sorted(DISPLAYED))
def test_png_and_tiff_orientation_match_the_spec(tmp_path, orientation):
    import tifffile

    expected = np.array(DISPLAYED[orientation], np.uint8) * 40
    png = tmp_path / "o.png"
    Image.fromarray(STORED).save(png, exif=_exif(orientation))
    np.testing.assert_array_equal(read_image(png), expected)
    tif = tmp_path / "o.tif"
    tifffile.imwrite(tif, np.stack([STORED, STORED + 1]), photometric="minisblack", planarconfig="separate",
                     extratags=[(274, "H", 1, orientation, True)])
    got = read_image(tif)  # planar (S, Y, X) on disk -> channels last, then oriented
    np.testing.assert_array_equal(got[..., 0], expected)
    np.testing.assert_array_equal(got[..., 1], expected + 1)


def test_mask_follows_its_orientation(tmp_path):
    path = tmp_path / "m.png"
    Image.fromarray(STORED).save(path, exif=_exif(8))
    np.testing.assert_array_equal(read_mask(path), np.array(DISPLAYED[8]) > 0)
