"""Post-processing flags, each on hand-made masks, and their fixed order in ``postprocess``."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.morphology import disk

from hybrid.segmentation.postprocess import (
    binary_close, binary_open, fill_holes, keep_largest_component, postprocess, remove_small_components,
    threshold_map,
)


def _m(rows):
    return np.array([[c == "#" for c in r] for r in rows])


def test_threshold_is_greater_or_equal():
    p = np.array([[0.49, 0.5, 0.51]])
    np.testing.assert_array_equal(threshold_map(p, 0.5), [[False, True, True]])
    np.testing.assert_array_equal(postprocess(p, threshold=0.51), [[False, False, True]])
    with pytest.raises(ValueError, match="NaN"):
        threshold_map(np.array([[np.nan]]))
    with pytest.raises(ValueError, match="threshold"):
        threshold_map(p, 1.5)


def test_opening_removes_specks_and_corners():
    m = _m([".......",
            ".#####.",
            ".#####.",
            ".#####.",
            ".#####.",
            ".#####.",
            "......#"])
    # disk(1) is a cross: the opening keeps the 5x5 square minus its 4 corners, drops the speck
    expected = _m([".......",
                   "..###..",
                   ".#####.",
                   ".#####.",
                   ".#####.",
                   "..###..",
                   "......."])
    np.testing.assert_array_equal(binary_open(m, 1), expected)
    np.testing.assert_array_equal(binary_open(m, 0), m)
    np.testing.assert_array_equal(postprocess(m.astype(float), opening=1), expected)


def test_disk_matches_skimage():
    from hybrid.segmentation.postprocess import _disk

    for r in range(1, 5):
        np.testing.assert_array_equal(_disk(r), disk(r).astype(bool))


def test_closing_fills_where_the_disk_cannot_enter_and_keeps_border_objects():
    m = _m([".......",
            ".##.##.",
            ".##.##.",
            ".##.##.",
            "......."])
    # The cross fits into the gap from above and below (its arm reaches rows 1 and 3), not at row 2:
    # dilation then erosion fills only the middle pixel of the gap.
    expected = m.copy()
    expected[2, 3] = True
    np.testing.assert_array_equal(binary_close(m, 1), expected)
    np.testing.assert_array_equal(postprocess(m.astype(float), closing=1), expected)
    np.testing.assert_array_equal(binary_close(m, 0), m)
    full = np.ones((3, 3), bool)  # touching every border: zero padding keeps it whole
    np.testing.assert_array_equal(binary_close(full, 1), full)


def test_fill_holes_only_enclosed_background():
    m = _m(["#####.",
            "#...#.",
            "#####.",
            "##.###",
            "##.#..",
            "##.#.."])
    expected = m.copy()
    expected[1, 1:4] = True  # enclosed; the column at x=2 below touches the border and stays open
    np.testing.assert_array_equal(fill_holes(m), expected)
    np.testing.assert_array_equal(postprocess(m.astype(float), fill_holes=True), expected)


def test_remove_small_components_strictly_below_and_8_connected():
    m = _m(["#...##",
            "......",
            ".#....",
            "..#..#",
            ".....#",
            ".....#"])
    # sizes: single pixel (1), pair (2), diagonal pair (2, joined by 8-connectivity), vertical triple (3)
    np.testing.assert_array_equal(remove_small_components(m, 2), m & ~_m(["#....."] + ["......"] * 5))
    np.testing.assert_array_equal(remove_small_components(m, 3), _m(["......"] * 3 + [".....#"] * 3))
    np.testing.assert_array_equal(remove_small_components(m, 0), m)
    np.testing.assert_array_equal(postprocess(m.astype(float), min_size=3), remove_small_components(m, 3))
    with pytest.raises(ValueError, match="min_size"):
        remove_small_components(m, -1)


def test_keep_largest_with_tie_to_first_in_raster_order():
    m = _m(["##..#",
            "....#",
            "###.."])
    np.testing.assert_array_equal(keep_largest_component(m), _m([".....", ".....", "###.."]))
    tie = _m(["##.##"])
    np.testing.assert_array_equal(keep_largest_component(tie), _m(["##..."]))
    np.testing.assert_array_equal(keep_largest_component(np.zeros((2, 2))), np.zeros((2, 2), bool))


def test_order_fill_before_size_filter():
    # A ring of 8 pixels with a hole: filled it has 9 pixels, so min_size=9 keeps it only because
    # filling runs before the size filter; a separate 4-pixel blob is removed.
    m = _m(["###...",
            "#.#.##",
            "###.##"])
    out = postprocess(m.astype(float), fill_holes=True, min_size=9)
    np.testing.assert_array_equal(out, _m(["###...", "###...", "###..."]))
    assert not postprocess(m.astype(float), min_size=9).any()


def test_bad_inputs():
    with pytest.raises(ValueError, match="2-D"):
        binary_open(np.zeros((2, 2, 2)), 1)
    with pytest.raises(ValueError, match="radius"):
        binary_close(np.zeros((2, 2)), -1)
