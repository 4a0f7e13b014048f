"""Read one image file into a NumPy array, choosing the reader by the file's content.

Formats and readers
-------------------
* PNG, JPEG, BMP, GIF, WebP -> Pillow
* TIFF / BigTIFF             -> tifffile
* DICOM (``DICM`` at byte 128, or a ``.dcm`` file without preamble) -> pydicom
* NIfTI-1/2 (``.nii`` or gzip-compressed) -> nibabel

The format is detected from the first bytes (magic numbers), never from the extension, so a PNG
named ``.jpg`` is read as PNG. Any failure (unknown format, truncated or corrupt data, empty file)
raises :class:`ImageReadError` whose message starts with the path.

Values are returned *as stored*:

* 8-bit -> ``uint8``, 16-bit -> ``uint16``, 1-bit -> ``bool``, 32-bit float -> ``float32``;
* grey -> ``(H, W)``, multi-channel -> ``(H, W, C)`` (channels last, whatever the file's planar
  configuration); palette images are expanded to RGB(A);
* DICOM: the raw stored pixel values (``RescaleSlope``/``RescaleIntercept`` are *not* applied and
  ``MONOCHROME1`` is not inverted); NIfTI: the unscaled data array (``scl_slope`` not applied), in
  the array's own axis order (no reorientation).

Orientation: the EXIF / TIFF ``Orientation`` tag (274, values 1-8) is **applied**, so arrays come
out the way viewers display them (a phone JPEG saved sideways with ``Orientation=6`` is returned
upright): Pillow images (JPEG, PNG ``eXIf``, WebP) through :func:`PIL.ImageOps.exif_transpose`,
TIFFs (read with tifffile) through :func:`apply_orientation`, which performs the same eight
flips/rotations (pinned against Pillow by a test). Orientations 5-8 swap height and width. A
mask is read by the same rule, so image and mask stay aligned when both carry the tag (or
neither does). DICOM and NIfTI have no such tag and are returned as stored.

Volumes (NIfTI, multi-page TIFF, multi-frame DICOM) are 3-D; :func:`read_image` returns one 2-D
slice of them when given ``index`` (and ``axis``), and :func:`read_volume` returns the whole array.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from hybrid.data.preprocessing import select_channels

__all__ = ["ImageReadError", "read_image", "read_volume", "read_mask", "sniff_format", "apply_orientation",
           "IMAGE_EXTENSIONS"]

#: EXIF / TIFF tag holding the orientation (1 = as stored).
ORIENTATION_TAG = 0x0112

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".dcm", ".nii", ".nii.gz")


class ImageReadError(ValueError):
    """A file could not be read as an image; the message names the file."""


_PIL_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"GIF87a", b"GIF89a")
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def _nifti_header_kind(head: bytes) -> str | None:
    if len(head) >= 348:
        for order in ("<", ">"):
            size = int(np.frombuffer(head[:4], dtype=f"{order}i4")[0])
            if size == 348 and head[344:348] in (b"n+1\x00", b"ni1\x00"):
                return "nifti1"
            if size == 540 and head[4:8] in (b"n+2\x00", b"ni2\x00"):
                return "nifti2"
    return None


def sniff_format(path) -> str:
    """Return ``"pillow"``, ``"tiff"``, ``"dicom"``, ``"nifti1"`` or ``"nifti2"`` from the content.

    Raises :class:`ImageReadError` for an empty file or unknown content.

    Examples
    --------
    >>> import tempfile, os
    >>> from PIL import Image
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "really_a_png.jpg")
    >>> Image.new("L", (4, 4)).save(p, format="PNG")
    >>> sniff_format(p)
    'pillow'
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(560)
    except OSError as exc:
        raise ImageReadError(f"{path}: cannot open file ({exc.strerror or exc})") from exc
    if not head:
        raise ImageReadError(f"{path}: file is empty")
    if head.startswith(_TIFF_MAGIC):
        return "tiff"
    if head[128:132] == b"DICM":
        return "dicom"
    if head.startswith(_PIL_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "pillow"
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                head = fh.read(560)
        except (OSError, EOFError) as exc:
            raise ImageReadError(f"{path}: corrupt gzip data ({exc})") from exc
    kind = _nifti_header_kind(head)
    if kind:
        return kind
    if path.suffix.lower() == ".dcm":
        return "dicom"
    raise ImageReadError(
        f"{path}: not a recognised image file (content is not PNG, JPEG, BMP, GIF, WebP, TIFF, DICOM or NIfTI)"
    )


def apply_orientation(arr: np.ndarray, orientation: int, axes: tuple[int, int] = (0, 1)) -> np.ndarray:
    """Return ``arr`` as displayed under the EXIF/TIFF ``Orientation`` value (1-8).

    ``axes`` are the (row, column) axes. The eight values are those of the TIFF 6.0 / EXIF 2.3
    specification (the same operations as :func:`PIL.ImageOps.exif_transpose`): 1 as stored,
    2 mirror left-right, 3 rotate 180°, 4 mirror top-bottom, 5 transpose, 6 rotate 90°
    clockwise, 7 transverse (anti-diagonal transpose), 8 rotate 90° counter-clockwise. Any other
    value (0, out of range) is treated as 1, as Pillow does.

    Examples
    --------
    >>> a = np.array([[1, 2], [3, 4]])
    >>> apply_orientation(a, 6).tolist(), apply_orientation(a, 2).tolist()
    ([[3, 1], [4, 2]], [[2, 1], [4, 3]])
    """
    r, c = axes
    ops = {
        2: lambda a: np.flip(a, c),
        3: lambda a: np.flip(a, (r, c)),
        4: lambda a: np.flip(a, r),
        5: lambda a: np.swapaxes(a, r, c),
        6: lambda a: np.rot90(a, -1, axes=(r, c)),
        7: lambda a: np.swapaxes(np.flip(a, (r, c)), r, c),
        8: lambda a: np.rot90(a, 1, axes=(r, c)),
    }
    op = ops.get(int(orientation))
    return arr if op is None else np.ascontiguousarray(op(arr))


def _read_pillow(path: Path) -> np.ndarray:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()  # full decode: truncated data raises here
            if im.getexif().get(ORIENTATION_TAG, 1) in range(2, 9):
                im = ImageOps.exif_transpose(im)
            if im.mode == "P":
                im = im.convert("RGBA" if "transparency" in im.info else "RGB")
            elif im.mode == "PA":
                im = im.convert("RGBA")
            elif im.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
                im = im.convert("RGB")
            arr = np.array(im)
    except UnidentifiedImageError as exc:
        raise ImageReadError(f"{path}: not a recognised image file ({exc})") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"{path}: corrupt or truncated image ({exc})") from exc
    return arr


def _read_tiff(path: Path) -> np.ndarray:
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            series = tif.series[0]
            arr = series.asarray()
            axes = series.axes
            tag = tif.pages[0].tags.get(ORIENTATION_TAG)
            orientation = int(tag.value) if tag is not None else 1
    except Exception as exc:  # tifffile raises many types (TiffFileError, ValueError, zlib.error, ...)
        raise ImageReadError(f"{path}: corrupt or truncated TIFF ({type(exc).__name__}: {exc})") from exc
    if "S" in axes and axes.index("S") != arr.ndim - 1:  # planar configuration -> channels last
        arr = np.moveaxis(arr, axes.index("S"), -1)
        axes = axes.replace("S", "") + "S"
    if orientation != 1 and "Y" in axes and "X" in axes:
        arr = apply_orientation(arr, orientation, axes=(axes.index("Y"), axes.index("X")))
    return arr


def _read_dicom(path: Path) -> np.ndarray:
    import pydicom

    try:
        ds = pydicom.dcmread(path, force=True)
        arr = ds.pixel_array
    except Exception as exc:  # pydicom raises InvalidDicomError, AttributeError, ValueError, EOFError, ...
        raise ImageReadError(f"{path}: corrupt or unreadable DICOM ({type(exc).__name__}: {exc})") from exc
    return np.asarray(arr)


def _read_nifti(path: Path, kind: str) -> np.ndarray:
    import nibabel as nib

    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        cls = nib.Nifti1Image if kind == "nifti1" else nib.Nifti2Image
        img = cls.from_bytes(raw)
        arr = np.asarray(img.dataobj.get_unscaled())
    except Exception as exc:  # nibabel/gzip raise many types for bad data
        raise ImageReadError(f"{path}: corrupt or truncated NIfTI ({type(exc).__name__}: {exc})") from exc
    return arr


def read_volume(path) -> np.ndarray:
    """Read a file as stored (2-D image, ``(H, W, C)`` image or 3-D volume), format sniffed from content."""
    path = Path(path)
    kind = sniff_format(path)
    if kind == "pillow":
        return _read_pillow(path)
    if kind == "tiff":
        return _read_tiff(path)
    if kind == "dicom":
        return _read_dicom(path)
    return _read_nifti(path, kind)


def _is_channels_last(arr: np.ndarray, kind: str) -> bool:
    """Pillow/DICOM-RGB/TIFF-with-samples images carry <= 4 trailing channels; NIfTI never does."""
    return kind != "nifti1" and kind != "nifti2" and arr.ndim == 3 and arr.shape[-1] <= 4


def read_image(path, channels=None, *, index: int | None = None, axis: int = 2) -> np.ndarray:
    """Read one 2-D image (grey ``(H, W)`` or ``(H, W, C)``) from ``path``, dtype as stored.

    Parameters
    ----------
    path : str or Path
        Image file; the reader is chosen from the content (see module doc).
    channels : None, int or list of int
        None keeps all channels; an int returns that channel as ``(H, W)``; a list returns
        ``(H, W, len(list))`` (see :func:`hybrid.data.preprocessing.select_channels`).
    index : int, optional
        For volumes (NIfTI, multi-page TIFF, multi-frame DICOM): the slice to return.
        A volume with a single slice along ``axis`` needs no index.
    axis : int
        Slicing axis of NIfTI volumes (default 2, the third voxel axis). TIFF pages and DICOM
        frames are always along axis 0.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ImageReadError
        Unreadable, corrupt, truncated or non-image file, or a volume read without ``index``.

    Examples
    --------
    >>> import tempfile, os
    >>> from PIL import Image
    >>> p = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> Image.fromarray(np.arange(12, dtype=np.uint8).reshape(3, 4)).save(p)
    >>> read_image(p).shape, read_image(p).dtype.name
    ((3, 4), 'uint8')
    """
    path = Path(path)
    kind = sniff_format(path)
    arr = read_volume(path)
    if arr.ndim == 3 and not _is_channels_last(arr, kind) or arr.ndim > 3:
        slice_axis = axis if kind.startswith("nifti") else 0
        if not -arr.ndim <= slice_axis < arr.ndim:
            raise ImageReadError(f"{path}: axis={axis} is out of range for a volume of shape {arr.shape}")
        n = arr.shape[slice_axis]
        if index is None:
            if n != 1:
                raise ImageReadError(
                    f"{path}: volume of shape {arr.shape} has {n} slices along axis {slice_axis}; "
                    "pass index=<slice> to read one"
                )
            index = 0
        if not -n <= index < n:
            raise ImageReadError(f"{path}: slice index={index} is out of range (volume has {n} slices)")
        arr = np.take(arr, index, axis=slice_axis)
        if arr.ndim == 3 and kind.startswith("nifti") and arr.shape[-1] == 1:
            arr = arr[..., 0]
    elif index not in (None, 0):
        raise ImageReadError(f"{path}: index={index} given but the file holds a single 2-D image")
    if arr.ndim not in (2, 3) or min(arr.shape[:2]) == 0:
        raise ImageReadError(f"{path}: unsupported image shape {arr.shape}")
    try:
        return select_channels(arr, channels)
    except ValueError as exc:
        raise ImageReadError(f"{path}: {exc}") from exc


def read_mask(path) -> np.ndarray:
    """Read a mask file as ``bool (H, W)``: a pixel is foreground when it is non-zero in any channel."""
    arr = read_image(path)
    if arr.ndim == 3:
        return np.any(arr != 0, axis=-1)
    return arr != 0
