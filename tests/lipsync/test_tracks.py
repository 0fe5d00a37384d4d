"""Containers with several audio tracks: the default track is used, others are named, a
missing track number is one clear line; cut-off audio is refused unless accepted."""

from __future__ import annotations

import logging
import struct

import av
import numpy as np
import pytest

from lipsync import media
from lipsync.errors import MediaError, TruncatedMediaError

RATE = 16000


def _tone(hz: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (0.4 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def _multitrack(path, tracks):
    """An MKV with one FLAC stream per (hz, language, title, default) in `tracks`."""
    with av.open(str(path), "w") as c:
        streams = []
        for hz, lang, title, default in tracks:
            s = c.add_stream("flac", rate=RATE, layout="mono")
            s.metadata["language"] = lang
            s.metadata["title"] = title
            s.disposition = av.stream.Disposition.default if default else av.stream.Disposition(0)
            streams.append((s, _tone(hz)))
        for s, samples in streams:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate, frame.pts = RATE, 0
            for out in resampler.resample(frame) + resampler.resample(None):
                for p in s.encode(out):
                    c.mux(p)
            for p in s.encode(None):
                c.mux(p)
    return path


def _peak_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples[:RATE]))
    return float(np.argmax(spectrum) * RATE / len(samples[:RATE]))


def test_the_default_track_is_used_and_the_others_are_logged(tmp_path, caplog):
    path = _multitrack(tmp_path / "two.mkv", [(440, "deu", "original", False), (880, "eng", "narration", True)])
    tracks = media.list_audio_tracks(path)
    assert [(t.number, t.language, t.default) for t in tracks] == [(1, "deu", False), (2, "eng", True)]
    with caplog.at_level(logging.INFO, logger="lipsync.tracks"):
        samples, rate = media.read_audio(path)
    assert rate == RATE and abs(_peak_hz(samples) - 880) < 5
    logged = caplog.text
    assert "track 2" in logged and "track 1" in logged and "deu" in logged and "'original'" in logged
    # probe reports the track that will be used
    assert media.probe(path).audio.codec == "flac"


def test_a_track_can_be_chosen_by_number(tmp_path):
    path = _multitrack(tmp_path / "two.mkv", [(440, "deu", "", False), (880, "eng", "", True)])
    samples, _ = media.read_audio(path, track=1)
    assert abs(_peak_hz(samples) - 440) < 5
    samples, _ = media.read_audio(path, 8000, track=2)  # positional sample rate still works
    assert len(samples) == pytest.approx(8000, abs=200)


def test_without_a_default_mark_the_first_track_is_used(tmp_path):
    path = _multitrack(tmp_path / "none.mkv", [(440, "eng", "", False), (660, "fra", "", False)])
    samples, _ = media.read_audio(path)
    assert abs(_peak_hz(samples) - 440) < 5


@pytest.mark.parametrize("track", [0, 3, -1])
def test_a_missing_track_is_one_line_naming_the_count(tmp_path, track):
    path = _multitrack(tmp_path / "two.mkv", [(440, "deu", "", False), (880, "eng", "", True)])
    with pytest.raises(MediaError) as err:
        media.read_audio(path, track=track)
    message = str(err.value)
    assert "\n" not in message and "2 audio tracks" in message and "two.mkv" in message


def _cut_wav(path, declared_s: float, kept_s: float):
    """A 16-bit mono WAV whose header declares `declared_s` but holds only `kept_s`."""
    n_declared, n_kept = int(RATE * declared_s), int(RATE * kept_s)
    data = (_tone(300, kept_s) * 32767).astype("<i2").tobytes()[: n_kept * 2]
    header = b"RIFF" + struct.pack("<I", 36 + n_declared * 2) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16) + b"data" + struct.pack("<I", n_declared * 2)
    path.write_bytes(header + data)
    return path


def test_a_cut_off_wav_is_refused_with_both_durations(tmp_path):
    path = _cut_wav(tmp_path / "cut.wav", declared_s=4.0, kept_s=1.5)
    with pytest.raises(TruncatedMediaError) as err:
        media.read_audio(path)
    message = str(err.value)
    assert "\n" not in message and "1.50 s readable" in message and "4.00 s declared" in message
    assert "--accept-truncated" in message
    with pytest.raises(TruncatedMediaError, match="4.00 s declared"):
        media.check_complete(path)  # the early check, before anything is decoded
    samples, rate = media.read_audio(path, accept_truncated=True)
    assert len(samples) / rate == pytest.approx(1.5, abs=0.01)


def test_a_whole_wav_is_not_called_cut_off(tmp_path):
    path = _cut_wav(tmp_path / "whole.wav", declared_s=2.0, kept_s=2.0)
    media.check_complete(path)
    samples, rate = media.read_audio(path)
    assert len(samples) / rate == pytest.approx(2.0, abs=0.01)
