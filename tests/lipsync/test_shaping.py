"""Moving the lips to a target shape (lipsync/renderers/shaping.py), on mouths built in code:
rounded vowels purse a smiling photo's wide gap into a small round hole."""

import cv2
import numpy as np

from lipsync.landmarks import LIPS_INNER, LIPS_OUTER
from lipsync.renderers.interior import Grain, paint_textured_interior
from lipsync.renderers.shaping import (LOWER_INNER_LIP, UPPER_INNER_LIP, PURSE_WIDTH, inner_opening_px,
                                       reshape_mouth)
from tests.helpers.mouths import mouth_points

LIP, TEETH, SKIN = (170, 90, 90), (235, 232, 220), (200, 150, 130)


def side_gaps(points: np.ndarray) -> np.ndarray:
    """Inner-lip gaps (px, vertical) of the pairs beyond `PURSE_WIDTH` of the half width."""
    x = points[UPPER_INNER_LIP, 0]
    side = np.abs(x - 100) > PURSE_WIDTH * 40 + 1
    return (points[LOWER_INNER_LIP, 1] - points[UPPER_INNER_LIP, 1])[side]


def test_a_rounded_vowel_leaves_a_small_hole_and_closes_the_sides():
    smile = mouth_points(gap=14.0)  # a wide gap across the mouth, as a smiling photo shows
    pursed = reshape_mouth(smile, 8.0, -0.6, 1.0)
    assert abs(inner_opening_px(pursed) - 8.0) < 1.0  # the opening asked for, at the centre
    assert side_gaps(pursed).max() < 0.5  # the lips meet beside the hole
    spread = reshape_mouth(smile, 8.0, 0.0, 0.0)
    assert side_gaps(spread).min() > 2  # negative control: unrounded, the sides stay open


def test_the_teeth_a_smile_showed_beside_the_hole_are_covered_by_lip():
    smile = mouth_points(gap=14.0)
    image = np.full((200, 200, 3), SKIN, np.uint8)
    cv2.fillPoly(image, [np.round(smile[LIPS_OUTER]).astype(np.int32)], LIP)
    cv2.fillPoly(image, [np.round(smile[LIPS_INNER]).astype(np.int32)], TEETH)
    pursed = reshape_mouth(smile, 8.0, -0.6, 1.0)
    side = pursed[UPPER_INNER_LIP[1]]  # on the line where the lips now meet
    x, y = int(round(side[0])), int(round(side[1]))
    rounded = paint_textured_interior(image.astype(np.float32), pursed, np.array(LIP, np.float32), Grain.make(),
                                      rounding=1.0)
    assert np.abs(rounded[y, x] - LIP).max() < 40  # lip, perhaps a crease, where the teeth were
    plain = paint_textured_interior(image.astype(np.float32), pursed, np.array(LIP, np.float32), Grain.make(),
                                    rounding=0.0)
    assert plain[y, x].mean() > 180  # negative control: not painted, the teeth still show
