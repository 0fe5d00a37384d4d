"""Image comparisons (pipeline/evaluate/image.py) on a real face, each with a negative control."""

from __future__ import annotations

import math

import cv2
import numpy as np
from tests.helpers.judge import paste_box

from pipeline.evaluate import image, regions

RNG = np.random.default_rng(7)


def test_psnr_drops_when_the_band_beside_the_face_is_blurred(face):
    frame, lm = face.frame, face.landmarks
    side = regions.side_band_mask(lm, frame.shape)
    noisy = np.clip(frame + RNG.normal(0, 1.0, frame.shape), 0, 255).astype(np.uint8)  # like a re-encode
    assert image.psnr(frame, frame, side) == math.inf
    clean = image.psnr(frame, noisy, side)
    assert clean > 45
    ghost = noisy.copy()
    ghost[side] = cv2.GaussianBlur(frame, (0, 0), 4)[side]  # negative control: ghosting
    assert image.psnr(frame, ghost, side) < clean - 10


def test_seam_step_rises_for_a_hard_pasted_box_only(face):
    frame, lm = face.frame, face.landmarks
    search = regions.lower_face_search_mask(lm, frame.shape)
    hard = image.seam_step(paste_box(frame, lm, 0), frame, search)
    soft = image.seam_step(paste_box(frame, lm, 8), frame, search)
    assert hard > 1.5  # negative control: a visible seam
    assert soft < 1.3
    assert math.isnan(image.seam_step(frame, frame, search))  # nothing changed


def test_region_change_is_zero_when_still_and_grows_with_motion(face):
    frame, lm = face.frame, face.landmarks
    box = regions.mouth_box(lm, frame.shape)
    assert image.region_change(frame, frame, box) == 0.0
    moved = np.roll(frame, 3, axis=0)
    assert image.region_change(frame, moved, box) > 2.0
