"""The render box leaves room below the chin for a renderer that moves it (issue 18, item 4)."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync.composite import lower_face_polygon, polygon_box
from lipsync.crops import CHIN_ROOM, RENDER_BOX_ROOM, render_box
from lipsync.landmarks import CHIN, face_scale


@pytest.fixture(scope="module")
def points(engine, astronaut_photo):
    return np.asarray(engine.analyse(astronaut_photo).landmarks[0], np.float32)


def test_the_render_box_reaches_below_the_chin(points):
    s = face_scale(points)
    x0, y0, x1, y1 = render_box(points, 512, 512)
    assert y1 >= points[CHIN, 1] + (RENDER_BOX_ROOM + CHIN_ROOM) * s
    assert all(v % 2 == 0 for v in (x0, y0, x1, y1))
    # Sideways and above, it is the lower-face polygon's box grown by RENDER_BOX_ROOM, no more.
    room = int(np.ceil(RENDER_BOX_ROOM * s))
    px0, py0, px1, _ = polygon_box(lower_face_polygon(points, 0.0), 512, 512, pad=room)
    assert abs(x0 - px0) <= 1 and abs(y0 - py0) <= 1 and abs(x1 - px1) <= 1


def test_the_render_box_stays_in_the_frame(points):
    shifted = points + (0.0, 512 - points[CHIN, 1] - 2)  # the chin at the frame's bottom edge
    x0, y0, x1, y1 = render_box(shifted, 512, 512)
    assert y1 == 512 and 0 <= x0 < x1 <= 512 and 0 <= y0 < y1
