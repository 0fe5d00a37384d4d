"""The judge's second face tracker (pipeline/evaluate/tracker.py): dlib's 68 landmarks on a real face."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.evaluate import regions


def test_tracker_measures_a_real_mouth_and_reports_no_face(face):
    assert 0.05 < regions.inner_lip_opening(face.landmarks) < 0.5
    assert 40 < regions.face_scale(face.landmarks) < 200
    assert face.tracker.landmarks(np.full((240, 320, 3), 128, np.uint8)) is None


def test_predictor_search_names_every_place(tmp_path, monkeypatch):
    from pipeline.errors import ModelNotFoundError
    from pipeline.evaluate.tracker import find_predictor

    assert find_predictor().name == "shape_predictor_68_face_landmarks.dat"
    monkeypatch.setenv("POLYDUB_MODELS", str(tmp_path))
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ModelNotFoundError, match="dlib-shape-predictor-68.*searched:.*missing.dat"):
        find_predictor(tmp_path / "missing.dat")
