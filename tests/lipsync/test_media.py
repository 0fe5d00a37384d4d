"""PyAV media I/O: exact rates, audio round trips, streamed ping-pong, clear errors."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from lipsync import media
from lipsync.errors import MediaError
from tests.helpers.media import encode_frames


def _gray_ramp(path, frames):
    """Frame i is flat gray 40 + 6i: survives two generations of lossy coding."""
    with media.VideoWriter(path, 64, 48, Fraction(25), comment=None) as w:
        for i in range(frames):
            w.write(np.full((48, 64, 3), 40 + 6 * i, np.uint8))
    return path


def _marker(frame):
    return int(round((float(frame.mean()) - 40) / 6))


def test_writer_keeps_exact_non_integer_rate_and_muxes_audio(tmp_path, write_video):
    fps = Fraction(1350, 61)
    audio = (np.sin(np.linspace(0, 400, 16000)) * 0.3).astype(np.float32)
    path = write_video(tmp_path / "a.mp4", frames=22, fps=fps, audio=(audio, 16000))
    info = media.probe(path)
    assert info.video.fps == fps
    assert info.video.frames == 22
    assert info.audio is not None and info.audio.codec == "aac"
    assert (info.video.width, info.video.height) == (64, 48)


def test_writer_marks_output_as_synthetic(tmp_path):
    with media.VideoWriter(tmp_path / "c.mp4", 32, 32, Fraction(25), comment="lip-synced by polydub (synthetic)") as w:
        w.write(np.zeros((32, 32, 3), np.uint8))
    assert "synthetic" in media.probe(tmp_path / "c.mp4").metadata["comment"]


def test_odd_sizes_are_padded_by_at_most_one_pixel(tmp_path, write_video):
    path = write_video(tmp_path / "odd.mp4", frames=3, size=(63, 47))
    info = media.probe(path)
    assert (info.video.width, info.video.height) == (64, 48)


def test_audio_round_trip_and_resampling(tmp_path):
    rate = 22050
    t = np.arange(rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    for suffix in (".wav", ".flac", ".m4a", ".mp3"):
        path = media.write_audio(tmp_path / f"t{suffix}", tone, rate)
        back, back_rate = media.read_audio(path, sample_rate=16000)
        assert back_rate == 16000
        assert back.dtype == np.float32 and back.ndim == 1
        assert abs(len(back) / 16000 - 1.0) < 0.08, suffix
        spectrum = np.abs(np.fft.rfft(back[2000:14000]))
        peak_hz = np.argmax(spectrum) * 16000 / 12000
        assert abs(peak_hz - 440) < 5, suffix


def test_playback_indices_ping_pong_and_cut():
    assert list(media.playback_indices(4, 10)) == [0, 1, 2, 3, 2, 1, 0, 1, 2, 3]
    assert list(media.playback_indices(5, 3)) == [0, 1, 2]
    assert list(media.playback_indices(1, 3)) == [0, 0, 0]


def test_frame_sequence_serves_backward_runs(tmp_path):
    path = _gray_ramp(tmp_path / "v.mp4", 30)
    wanted = list(media.playback_indices(30, 75))
    with media.FrameSequence(path) as seq:
        got = [(i, _marker(f)) for i, f in seq.frames(wanted)]
    assert [i for i, _ in got] == wanted
    assert all(i == marker for i, marker in got)


def test_frame_sequence_copies_only_the_frames_served_backwards(tmp_path):
    # 30 frames played for 36: forwards to 29, then back to 23. Only 23..29 are kept losslessly.
    path = _gray_ramp(tmp_path / "v.mp4", 30)
    wanted = list(media.playback_indices(30, 36))
    with media.FrameSequence(path, workdir=tmp_path) as seq:
        got = [(i, _marker(f)) for i, f in seq.frames(wanted)]
        intra = seq._intermediate()
        assert media.probe(intra).video.frames == 7
    assert [i for i, _ in got] == wanted
    assert all(i == marker for i, marker in got)
    assert media._first_backward([0, 1, 2, 1, 0, 1, 2]) == 0
    assert media._first_backward([0, 1, 2, 2]) is None


def test_variable_frame_rate_is_served_at_constant_rate(tmp_path):
    # Frames at irregular times: 0, 1, 2, (gap) 5, 6 in units of 1/25 s.
    import av

    path = tmp_path / "vfr.mkv"
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 32, 32, "yuv420p"
        for k, pts in enumerate([0, 1, 2, 5, 6]):
            f = av.VideoFrame.from_ndarray(np.full((32, 32, 3), k * 40, np.uint8), format="rgb24")
            f.pts, f.time_base = pts, Fraction(1, 25)
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    levels = [int(round(f.mean() / 40)) for f in media.iter_frames(path)]
    assert levels == [0, 1, 2, 2, 2, 3, 4]


def test_errors_are_one_line_and_say_what_to_do(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x01 not a video" * 100)
    with pytest.raises(MediaError) as err:
        media.probe(bad)
    assert "\n" not in str(err.value) and "broken.mp4" in str(err.value)
    with pytest.raises(MediaError, match="no such file"):
        media.read_audio(tmp_path / "missing.wav")


def test_video_without_audio_has_no_audio(tmp_path, write_video):
    path = write_video(tmp_path / "silent.mp4", frames=2)
    with pytest.raises(MediaError, match="no audio stream"):
        media.read_audio(path)


def test_failed_writer_leaves_no_partial_file(tmp_path):
    path = tmp_path / "partial.mp4"
    with pytest.raises(RuntimeError):
        with media.VideoWriter(path, 32, 32, Fraction(25)) as w:
            w.write(np.zeros((32, 32, 3), np.uint8))
            raise RuntimeError("boom")
    assert not path.exists()


@pytest.mark.media
def test_real_footage_keeps_its_exact_rate(shared_media):
    info = media.probe(shared_media / "presenter_a.mp4")
    assert info.video.fps == Fraction(1350, 61)
    first = next(media.iter_frames(shared_media / "presenter_c.mp4"))
    assert first.shape == (590, 590, 3) and first.flags["C_CONTIGUOUS"]


def _stamped_zero(path, frames: int = 10):
    """A video whose frames all carry timestamp 0 (as a broken muxer writes them)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        pictures = [av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20, np.uint8), format="rgb24")
                    for i in range(frames)]
        for packet in [p for f in pictures for p in stream.encode(f)] + list(stream.encode()):
            packet.pts = packet.dts = 0
            out.mux(packet)
    return path


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_a_video_whose_frames_all_carry_one_timestamp_is_refused(tmp_path, suffix):
    path = _stamped_zero(tmp_path / f"zero{suffix}")
    with av.open(str(path)) as c:
        assert [f.pts for f in c.decode(video=0)] == [0] * 10  # the input is what the test means
    with pytest.raises(MediaError, match=r"same timestamp.*still picture.*ffmpeg -i zero.* -vf setpts=N/\(\d+\*TB\)") as err:
        media.probe(path)
    assert "\n" not in str(err.value)
    # negative control: the same pictures with increasing timestamps probe fine
    good = tmp_path / f"good{suffix}"
    with av.open(str(good), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        frames = [av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20, np.uint8), format="rgb24") for i in range(10)]
        encode_frames(out, stream, frames)
    assert media.probe(good).video.frames == 10


def test_one_frame_or_unstamped_frames_pass_the_timestamp_check():
    for pts in ([0], [None, None, None], [0, 1, 2], [0, 0, 1]):
        media.check_timestamps_run(Path("x.mp4"), pts, Fraction(25))
    with pytest.raises(MediaError, match="setpts=N/\\(30000/1001\\*TB\\)"):
        media.check_timestamps_run(Path("x.mp4"), [5, 5, 3], Fraction(30000, 1001))
