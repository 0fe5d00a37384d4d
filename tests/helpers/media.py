"""Media built in code: bad inputs for the tests that check they are refused early, tiny
presenter videos for job-plumbing tests, and one encode loop for streams a test sets up itself."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def write_wav(path: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    """A mono 16-bit WAV of a 220 Hz tone."""
    import soundfile

    t = np.arange(int(seconds * rate)) / rate
    soundfile.write(path, (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate, subtype="PCM_16")
    return path


def clip_with_audio(path: Path, frames: int = 100, fps: int = 25, rate: int = 16000,
                    audio_frames: int | None = None) -> Path:
    """An H.264 + FLAC clip (MKV or MP4 by suffix) of `frames` frames with a tone; with
    `audio_frames`, the tone stops after that many frames (audio shorter than the picture)."""
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        a = c.add_stream("flac", rate=rate, layout="mono")
        per_frame = rate // fps
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(np.full((48, 64, 3), (i * 7) % 255, np.uint8), format="rgb24")
            f.pts, f.time_base = i, Fraction(1, fps)
            for p in v.encode(f):
                c.mux(p)
            if audio_frames is not None and i >= audio_frames:
                continue
            block = (0.3 * np.sin(np.arange(per_frame) / 5.0)).astype(np.float32).reshape(1, -1)
            af = av.AudioFrame.from_ndarray((block * 32767).astype(np.int16), format="s16", layout="mono")
            af.sample_rate, af.pts = rate, i * per_frame
            for p in a.encode(af):
                c.mux(p)
        for s in (v, a):
            for p in s.encode(None):
                c.mux(p)
    return path


def cut_off(whole: Path, path: Path, keep: float = 0.4) -> Path:
    """The first `keep` of a file's bytes, as a download or copy cut short leaves it."""
    data = whole.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def encode_frames(container: av.container.OutputContainer, stream: av.VideoStream, frames: Iterable[av.VideoFrame],
                  fps: int = 25, pts: Iterable[int] | None = None) -> None:
    """Encode `frames` into `stream` at pts 0, 1, 2... (or `pts`) in units of 1/`fps`, mux every
    packet into `container`, then flush the encoder."""
    for t, frame in zip(pts if pts is not None else itertools.count(), frames):
        frame.pts, frame.time_base = t, Fraction(1, fps)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)


def flat_videos(folder: Path, count: int, size: int = 32, frames: int = 5, shade_step: int = 40,
                name: str = "presenter{k}.mp4") -> list[Path]:
    """`count` tiny videos of flat, different shades: presenters for job-plumbing tests, where
    the fake runner never looks for a face."""
    from lipsync.media import VideoWriter

    out = []
    for k in range(count):
        path = folder / name.format(k=k)
        with VideoWriter(path, size, size, Fraction(10), comment=None) as w:
            for i in range(frames):
                w.write(np.full((size, size, 3), shade_step * k + i * max(1, shade_step // 15), np.uint8))
        out.append(path)
    return out
