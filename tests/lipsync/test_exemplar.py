"""The exemplar renderer moves the chin and jaw line with the chosen exemplar (issue 18, item 4).

The input is built in code: the astronaut photo's landmarks (one face), and a one-entry
exemplar library whose canonical frame is the photo's own (identity alignment) and whose
patch is two-tone, dark above the exemplar's jaw line and light below it, with the exemplar's
chin 0.12 x face size higher than the photo's. Where the light-to-dark edge lands in the
render says which chin the renderer drew.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import lipsync.renderers.exemplar as exemplar
from lipsync.analysis import ExemplarLibrary
from lipsync.composite import lower_face_polygon
from lipsync.landmarks import CHIN, JAW, STABLE, face_scale, mouth_shape
from lipsync.renderers.exemplar import ExemplarRenderer

LIFT = 0.12  # the exemplar's chin over the photo's, x face size


@pytest.fixture(scope="module")
def photo(engine, astronaut_photo):
    a = engine.analyse(astronaut_photo)
    image = cv2.cvtColor(cv2.imread(str(astronaut_photo)), cv2.COLOR_BGR2RGB)
    return image, np.asarray(a.landmarks[0], np.float32)


def two_tone_library(image: np.ndarray, lm: np.ndarray) -> ExemplarLibrary:
    """One exemplar: the photo's landmarks with the jaw lifted round the chin; its patch dark
    (40) inside the lifted jaw line and above it, light (200) below it."""
    s = face_scale(lm)
    ex = lm.copy()
    ex[JAW, 1] -= LIFT * s * exemplar.JAW_FOLLOW
    patch = np.full(image.shape, 200, np.uint8)
    top = np.array([[ex[JAW[-1], 0], 0], [ex[JAW[0], 0], 0]], np.float32)
    cv2.fillPoly(patch, [np.round(np.vstack([ex[JAW], top])).astype(np.int32)], (40, 40, 40))
    return ExemplarLibrary(frames=np.array([0]), patches=patch[None], landmarks=ex[None],
                           shape=mouth_shape(ex)[None], pose=np.zeros((1, 3), np.float32),
                           template=lm[STABLE], scale=s)


def edge_row(out: np.ndarray, lm: np.ndarray) -> int:
    """Row of the strongest dark-to-light step going down the chin's column."""
    x = int(round(lm[CHIN, 0]))
    s = face_scale(lm)
    y0, y1 = int(lm[CHIN, 1] - 0.4 * s), int(lm[CHIN, 1] + 0.2 * s)
    column = out[y0:y1, x - 2:x + 3].astype(np.float32).mean(axis=(1, 2))
    return y0 + int(np.argmax(np.diff(column))) + 1


def render(image, lm, lib, follow_jaw: bool = True, wider: float = 0.0):
    """The render at the exemplar's own opening, or `wider` (x face size) wider than it."""
    opening = float(mouth_shape(lm)[0]) + wider
    return ExemplarRenderer(follow_jaw=follow_jaw).render_frame(image, lm, lib, 0, opening, closed=False)


def test_the_chin_follows_the_exemplar(photo):
    image, lm = photo
    s = face_scale(lm)
    out = render(image, lm, two_tone_library(image, lm))
    lifted = lm[CHIN, 1] - LIFT * s
    assert abs(edge_row(out, lm) - lifted) < 0.03 * s, (edge_row(out, lm), lifted, lm[CHIN, 1])


@pytest.mark.parametrize("how", ["follow_jaw=False", "no follow weights"])
def test_a_renderer_holding_the_source_chin_fails_the_check(photo, monkeypatch, how):
    """Negative control: with the jaw held to the source's (the default, or zero follow
    weights), the edge stays near the photo's chin, well away from the exemplar's."""
    image, lm = photo
    s = face_scale(lm)
    if how == "no follow weights":
        monkeypatch.setattr(exemplar, "JAW_FOLLOW", np.zeros(len(JAW)))
    out = render(image, lm, two_tone_library(image, lm), follow_jaw=how != "follow_jaw=False")
    row = edge_row(out, lm)
    assert abs(row - (lm[CHIN, 1] - LIFT * s)) > 0.08 * s and abs(row - lm[CHIN, 1]) < 0.08 * s


def test_only_below_the_jaw_and_inside_it_changes(photo):
    """Beside the mouth the blend stays inside the jaw line; it reaches past it only below
    the mouth corners (chin, neck), and never above the nostrils."""
    image, lm = photo
    s = face_scale(lm)
    out = render(image, lm, two_tone_library(image, lm))
    changed = np.abs(out.astype(int) - image).sum(-1) > 0
    inside = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(lower_face_polygon(lm, 0.0)).astype(np.int32)], 1)
    inside = cv2.dilate(inside, np.ones((3, 3), np.uint8)).astype(bool)
    ys, xs = np.nonzero(changed & ~inside)
    corners_y = lm[[61, 291], 1].max()
    assert changed.sum() > 500 and len(ys) > 0  # it did reach below the jaw
    assert ys.min() > corners_y
    assert ys.max() < lm[CHIN, 1] + 0.4 * s
    assert xs.min() > lm[JAW, 0].min() and xs.max() < lm[JAW, 0].max()
    assert not changed[: int(lm[[98, 327], 1].min())].any()


WIDER = 0.08  # x face size: the most the renderer fine-tunes the lips (max_lip_adjust)


@pytest.fixture(scope="module")
def big_photo(photo):
    """The photo at twice its size, so a chin shift of 0.064 x face size is ~8 pixels."""
    image, lm = photo
    return cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), lm * 2


def test_the_chin_drops_with_the_lower_lip_when_the_lips_open_wider(big_photo):
    """The lips fine-tuned wider than the exemplar's: `reshape_mouth` moves the lower lip down
    by 0.8 x the change, and the chin (full follow weight) moves with it."""
    image, lm = big_photo
    s = face_scale(lm)
    lib = two_tone_library(image, lm)
    shift = edge_row(render(image, lm, lib, wider=WIDER), lm) - edge_row(render(image, lm, lib), lm)
    assert abs(shift - 0.8 * WIDER * s) < 0.02 * s, (shift, 0.8 * WIDER * s)


@pytest.mark.parametrize("how", ["lip shift not passed on", "follow_jaw=False"])
def test_negative_control_a_chin_held_still_fails_the_check(big_photo, monkeypatch, how):
    """Negative control: with the chin held at the exemplar's (the drop measured at a point
    the lip fine-tuning never moves, the nose tip: only the under-lip points drag the chin
    region a little) or at the source's, the check above fails."""
    image, lm = big_photo
    s = face_scale(lm)
    lib = two_tone_library(image, lm)
    if how == "lip shift not passed on":
        monkeypatch.setattr(exemplar, "LOWER_INNER_MID", 1)
    follow_jaw = how != "follow_jaw=False"
    base = edge_row(render(image, lm, lib, follow_jaw=follow_jaw), lm)
    shift = edge_row(render(image, lm, lib, follow_jaw=follow_jaw, wider=WIDER), lm) - base
    assert abs(shift - 0.8 * WIDER * s) >= 0.02 * s, (shift, 0.8 * WIDER * s)


def test_follow_jaw_must_be_a_bool():
    # a job file's option reaching the renderer as the string "False" would turn it on
    from lipsync.errors import RenderError

    with pytest.raises(RenderError, match="follow_jaw must be true or false"):
        ExemplarRenderer(follow_jaw="False")
    assert ExemplarRenderer(follow_jaw=False).follow_jaw is False
