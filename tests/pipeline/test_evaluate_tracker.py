"""The judge's second face tracker (pipeline/evaluate/tracker.py): dlib's 68 landmarks on a real face."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.evaluate import regions


def test_tracker_measures_a_real_mouth_and_reports_no_face(face):
    assert 0.05 < regions.inner_lip_opening(face.landmarks) < 0.5
    assert 40 < regions.eye_distance(face.landmarks) < 200
    assert face.tracker.landmarks(np.full((240, 320, 3), 128, np.uint8)) is None


def test_predictor_comes_from_the_model_store(tmp_path, monkeypatch):
    from pipeline.errors import ModelNotFoundError
    from pipeline.evaluate.tracker import MODEL_FILE, find_predictor
    from pipeline.models import ModelStore

    assert find_predictor().name == MODEL_FILE  # the eval extra's package, through the store
    store = ModelStore(tmp_path)
    entry = tmp_path / "dlib-shape-predictor-68"
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ModelNotFoundError, match=rf"dlib-shape-predictor-68.*searched: {entry}.*polydub\[eval\]"):
        find_predictor(store=store)
    entry.mkdir()
    (entry / MODEL_FILE).write_bytes(b"x")
    assert find_predictor(store=store) == entry / MODEL_FILE
    with pytest.raises(ModelNotFoundError, match="dlib-shape-predictor-68.*searched:.*missing.dat"):
        find_predictor(tmp_path / "missing.dat")
