"""Data layer: readers, layouts, records, leak-free splits, preprocessing, augmentation, phantoms.

>>> from hybrid.data import load_dataset, Dataset, Record, read_image
"""

from hybrid.data.dataset import Dataset, load_dataset
from hybrid.data.readers import ImageReadError, read_image, read_mask, read_volume
from hybrid.data.records import DataError, Record

__all__ = ["Dataset", "Record", "DataError", "ImageReadError", "load_dataset", "read_image", "read_mask",
           "read_volume"]
