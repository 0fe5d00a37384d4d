"""Face regions from landmarks (pipeline/evaluate/regions.py)."""

from __future__ import annotations

import math

import cv2
import numpy as np

from pipeline.evaluate import image, regions


def test_regions_sit_where_they_should(face):
    lm, shape = face.landmarks, face.frame.shape
    upper = regions.upper_face_mask(lm, shape)
    side = regions.side_band_mask(lm, shape)
    search = regions.lower_face_search_mask(lm, shape)
    mouth_y = lm[48:60, 1].mean()
    ys = np.nonzero(upper)[0]
    assert ys.max() < lm[31:36, 1].min() < mouth_y  # above the nose
    assert search[int(mouth_y), int(lm[48:60, 0].mean())] and not (upper & search).any()
    assert not (side & search).any() and side[int(mouth_y)].any()
    x0, y0, x1, y1 = regions.mouth_box(lm, shape)
    assert x0 < lm[48, 0] < lm[54, 0] < x1 and y0 < mouth_y < y1


def test_side_band_leaves_out_what_lies_below_the_jaw(face):
    """A renderer may now move the chin and the neck under it (issue 18, item 4): the band
    beside the face leaves them out, and still covers the mouth's height on both sides."""
    lm, shape = face.landmarks, face.frame.shape
    below = regions.below_jaw_mask(lm, shape)
    side = regions.side_band_mask(lm, shape)
    s = regions.eye_distance(lm)
    chin_x, chin_y = int(lm[8, 0]), int(lm[8, 1])
    assert below[chin_y, chin_x] and below[int(chin_y + 0.5 * s), chin_x]  # the chin and the neck under it
    assert not below[int(lm[48:60, 1].mean()), int(lm[48:60, 0].mean())]  # not the mouth
    assert not (side & below).any()
    mouth_y = int(lm[48:60, 1].mean())
    row = np.nonzero(side[mouth_y])[0]
    assert (row < lm[0:17, 0].min()).any() and (row > lm[0:17, 0].max()).any()


def test_a_moved_chin_keeps_the_side_band_and_ghosting_still_shows(face):
    """A change under the jaw leaves the band beside the face alone; ghosting beside the face
    (negative control) still drops its PSNR."""
    frame, lm = face.frame, face.landmarks
    side = regions.side_band_mask(lm, frame.shape)
    moved = frame.copy()
    moved[regions.below_jaw_mask(lm, frame.shape)] //= 2  # a chin and neck blended in
    assert image.psnr(frame, moved, side) == math.inf
    assert (moved != frame).any()
    ghost = moved.copy()
    ghost[side] = cv2.GaussianBlur(frame, (0, 0), 4)[side]
    assert image.psnr(frame, ghost, side) < 35
