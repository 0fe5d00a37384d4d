import json

import numpy as np
import pytest

from lipsync import LipSyncEngine, ModelNotFoundError
from lipsync.report import PresenterReport


def test_landmarks_on_nearly_every_frame_of_the_demo_presenter(engine, demo_presenter):
    a = engine.analyse(demo_presenter)
    assert a.n_frames == 75
    assert a.has_face.mean() >= 0.95
    lm = np.asarray(a.landmarks)
    assert lm.shape == (75, 478, 2) and np.isfinite(lm[a.has_face]).all()
    # Landmarks sit on the face: the mouth lies under the eyes, inside the frame.
    assert (lm[a.has_face][:, 13, 1] > lm[a.has_face][:, 33, 1]).all()
    assert np.isfinite(a.pose[a.has_face]).all() and len(a.exemplars) > 10


def test_second_analysis_comes_from_the_cache(engine, demo_presenter):
    first = engine.analyse(demo_presenter)
    other = LipSyncEngine(engine.cache_dir)  # another instance sharing the cache
    again = other.analyse(demo_presenter)
    assert again.from_cache and other.tracker_frames == 0
    np.testing.assert_array_equal(np.asarray(first.landmarks), np.asarray(again.landmarks))


def test_a_fresh_cache_tracks_every_frame(tmp_path, demo_presenter):
    fresh = LipSyncEngine(tmp_path)
    a = fresh.analyse(demo_presenter)
    assert not a.from_cache and fresh.tracker_frames == a.n_frames


def test_report_in_plain_words_and_json(engine, demo_presenter, astronaut_photo):
    r = engine.report(demo_presenter)
    assert isinstance(r, PresenterReport)
    assert r.face_share == 1.0 and 150 < r.face_size_px < 480
    assert r.recommended_renderer in {"exemplar", "warp"}
    json.dumps(r.to_dict())
    photo = engine.report(astronaut_photo)
    assert photo.frames == 1 and photo.recommended_renderer == "warp"
    assert any("photo" in line for line in photo.advice)


def test_a_missing_face_model_names_where_it_looked(tmp_path):
    with pytest.raises(ModelNotFoundError, match="nope.task"):
        LipSyncEngine(tmp_path, face_model=tmp_path / "nope.task")


def test_frames_decoded_ahead_arrive_in_order_and_carry_errors():
    from lipsync.analysis import _prefetched

    def broken():
        yield np.zeros(1)
        yield np.ones(1)
        raise ValueError("damaged at frame 2")

    got = []
    with pytest.raises(ValueError, match="frame 2"):
        for f in _prefetched(broken()):
            got.append(float(f[0]))
    assert got == [0.0, 1.0]


def test_stopping_early_stops_the_decoding_thread_and_closes_the_source():
    import threading

    from lipsync.analysis import _prefetched

    closed = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                yield np.full(1, i)
                i += 1
        finally:
            closed.set()

    for k, f in enumerate(_prefetched(endless())):
        assert f[0] == k
        if k == 3:
            break
    assert closed.is_set()
    assert not any(t.name == "analysis-decode" for t in threading.enumerate())
