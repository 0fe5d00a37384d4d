"""Utterances kept on disk while a take is spoken (pipeline/utterances.py)."""

from __future__ import annotations

import numpy as np

from pipeline.utterances import FileUtterances
from tts.backends import Utterance
from tts.types import Phone, TimedText


def test_an_utterance_comes_back_sample_for_sample_and_is_forgotten(tmp_path):
    rng = np.random.default_rng(7)
    utt = Utterance(rng.standard_normal(2400).astype(np.float32), 24000,
                    (Phone(0.0, 0.05, "ɐ"), Phone(0.05, 0.1, "ʃ")), (TimedText(0.0, 0.1, "açaí"),))
    kept = FileUtterances(tmp_path / "utterances")
    assert kept.get("k1") is None
    kept.put("k1", utt)
    back = kept.get("k1")
    np.testing.assert_array_equal(back.audio, utt.audio)
    assert back.audio.dtype == np.float32 and back.sample_rate == 24000
    assert back.phones == utt.phones and back.words == utt.words
    kept.forget(["k1", "never-kept"])
    assert kept.get("k1") is None and list((tmp_path / "utterances").iterdir()) == []


def test_an_unreadable_file_is_spoken_again(tmp_path):
    kept = FileUtterances(tmp_path)
    (tmp_path / "k2.npz").write_bytes(b"half a file")
    assert kept.get("k2") is None
