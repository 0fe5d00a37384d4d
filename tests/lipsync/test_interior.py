"""The warp renderer's mouth interior (lipsync/renderers/interior.py), on mouths built in code."""

import numpy as np

from lipsync.renderers.interior import PHOTO_LOWER_TEETH_DIM, Grain, paint_textured_interior, teeth_alpha
from tests.helpers.mouths import mouth_points

SKIN, LIP, CAVITY = (200, 150, 130), (170, 90, 90), (50, 25, 28)
UPPER_TEETH, LOWER_TEETH = (240, 236, 222), (205, 212, 222)  # warm and cool enamel, told apart


def photo(gap: float = 12.0, teeth: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A 200x200 face patch: skin, lips, and between them upper teeth over lower teeth (or a
    dark mouth). Returns (RGB uint8 image, 478 points)."""
    import cv2

    points = mouth_points(gap=gap)
    image = np.full((200, 200, 3), SKIN, np.uint8)
    cv2.fillPoly(image, [np.round(points[[61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17,
                                          84, 181, 91, 146]]).astype(np.int32)], LIP)
    inner = np.zeros((200, 200), np.uint8)
    cv2.fillPoly(inner, [np.round(points[[78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14,
                                          87, 178, 88, 95]]).astype(np.int32)], 1)
    ys = np.mgrid[0:200, 0:200][0]
    if teeth:
        image[(inner > 0) & (ys < 100)] = UPPER_TEETH
        image[(inner > 0) & (ys >= 100)] = LOWER_TEETH
    else:
        image[inner > 0] = CAVITY
    return image, points


def opened(points: np.ndarray, drop: float = 16.0, lift: float = 4.0) -> np.ndarray:
    """The same mouth opened: the lower inner lip down `drop` px, the upper up `lift` px (at the
    centre, tapering to the corners)."""
    from lipsync.renderers.shaping import LOWER_INNER_LIP, UPPER_INNER_LIP

    out = points.copy()
    for idx, dy in ((LOWER_INNER_LIP, drop), (UPPER_INNER_LIP, -lift)):
        taper = np.cos((out[idx, 0] - 100) / 40 * np.pi / 2).clip(0, 1)
        out[idx, 1] += dy * taper
    return out


def test_teeth_are_found_where_the_photo_shows_them_and_not_in_a_dark_mouth():
    image, points = photo()
    alpha = teeth_alpha(image, points, (0, 0, 200, 200))
    assert alpha is not None and alpha[100, 100] > 0.9 and alpha[99, 80] > 0.9
    assert alpha[100, 30] == 0 and alpha[80, 100] == 0  # skin beside, lip above: not teeth
    dark, points = photo(teeth=False)
    assert teeth_alpha(dark, points, (0, 0, 200, 200)) is None  # negative control


def test_the_photos_upper_teeth_follow_the_upper_lip_and_its_lower_teeth_the_jaw():
    image, points = photo()
    moved = opened(points)
    crop = image.astype(np.float32)
    out = paint_textured_interior(crop, moved, np.array(LIP, np.float32), Grain.make(), source=image,
                                  source_points=points)
    top, bottom = moved[13, 1], moved[14, 1]  # the moved inner lips at the centre
    below_upper = out[int(top) + 2, 96:104].mean(0)
    above_lower = out[int(bottom) - 2, 96:104].mean(0)
    middle = out[int((top + bottom) / 2), 96:104].mean(0)
    assert np.abs(below_upper - UPPER_TEETH).max() < 25  # upper teeth hang from the upper lip
    # lower teeth stand on the lower lip, in the upper lip's shadow
    assert np.abs(above_lower - np.array(LOWER_TEETH) * PHOTO_LOWER_TEETH_DIM).max() < 25
    assert below_upper[0] > below_upper[2] and above_lower[2] > above_lower[0]  # each its own
    assert middle.max() < 110  # the new gap between the rows is the dark cavity, not stretched teeth


def test_a_mouth_without_teeth_gets_a_textured_interior_not_a_flat_fill():
    import cv2

    image, points = photo(teeth=False)
    moved = opened(points)
    out = paint_textured_interior(image.astype(np.float32), moved, np.array(LIP, np.float32), Grain.make(),
                                  source=image, source_points=points)
    inside = np.zeros((200, 200), np.uint8)
    cv2.fillPoly(inside, [np.round(moved[[78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14,
                                          87, 178, 88, 95]]).astype(np.int32)], 1)
    inside = cv2.erode(inside, np.ones((5, 5), np.uint8)).astype(bool)
    grey = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)
    gradient = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    assert gradient[inside].mean() > 15 and grey[inside].std() > 15  # teeth rows, gaps, grain
    top, bottom = moved[13, 1], moved[14, 1]
    assert grey[int(top) + 2, 90:110].mean() > 120  # upper teeth, built
    assert grey[int((top + bottom) / 2), 90:110].mean() < 90  # a dark cavity between the rows
    # Row to row along the upper teeth: the teeth differ (gaps, per-tooth shade, grain).
    assert grey[int(top) + 2, 70:130].std() > 3
    again = paint_textured_interior(image.astype(np.float32), moved, np.array(LIP, np.float32), Grain.make(),
                                    source=image, source_points=points)
    assert np.array_equal(out, again)  # the grain is fixed: no flicker from frame to frame


def test_the_inner_lip_edge_is_feathered_a_few_pixels_scaled_to_the_mouth():
    from lipsync.landmarks import LIPS_INNER
    from lipsync.renderers.interior import feather_sigma, inner_lip_alpha

    def fade_px(half_width: float, sigma: float | None = None) -> int:
        points = mouth_points(cx=200, cy=200, half_width=half_width, gap=0.6 * half_width)
        alpha = inner_lip_alpha(points[LIPS_INNER], (400, 400), sigma or feather_sigma(points))
        column = alpha[:, 200]  # down through the middle of the mouth, across both lips
        return int(((column > 0.05) & (column < 0.95)).sum()) // 2  # per edge

    assert 2 <= fade_px(40) <= 6  # an 80 px mouth: a few pixels, not a hard edge, not a smear
    assert fade_px(120) > fade_px(40)  # wider for a wider mouth
    assert fade_px(40, sigma=0.05) <= 1  # negative control: an unfeathered polygon is a hard edge


def test_a_labiodental_slit_shows_the_photos_upper_teeth_not_a_grey_line():
    # /f/ /v/: the lower lip rises against the upper teeth and leaves a slit ~3.5 px tall (of a
    # 12 px gap). The slit must show the photo's upper teeth (warm, as bright as in the photo),
    # not its lower row dimmed and shaded to the biting edge, which read as a grey line.
    def slit(teeth: bool) -> np.ndarray:
        image, points = photo(teeth=teeth)
        moved = opened(points, drop=-8.5, lift=0.0)
        crop = np.full(image.shape, LIP, np.float32)  # the warped lips: every teeth pixel is painted
        out = paint_textured_interior(crop, moved, np.array(LIP, np.float32), Grain.make(), source=image,
                                      source_points=points)
        top, bottom = moved[13, 1], moved[14, 1]
        assert 3 <= bottom - top <= 4
        return out[int(top) + 1:int(bottom) + 1, 96:104].mean((0, 1))

    strip = slit(teeth=True)
    assert np.abs(strip - UPPER_TEETH).max() < 25  # the photo's upper teeth, about as bright
    assert strip[0] > strip[2]  # warm: the upper row, not the (cool) lower one
    assert slit(teeth=False).max() < 110  # control: a photo without teeth shows a dark slit
