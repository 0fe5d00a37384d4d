"""Face regions from landmarks (pipeline/evaluate/regions.py)."""

from __future__ import annotations

import numpy as np

from pipeline.evaluate import regions


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
