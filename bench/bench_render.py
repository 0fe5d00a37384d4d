"""Render speed: a lip-synced 720p clip (analysis cached, whole render call) over a plain
decode + re-encode of the same video with the product's encoder settings (libx264 veryfast,
CRF 18), measured in one run.

    .venv/bin/python bench/bench_render.py [--seconds 60] [--no-shared]

Also renders ../shared/media/presenter_a.mp4 (when present) and prints its frames/s.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lipsync import LipSyncEngine, media  # noqa: E402
from pipeline.demo import astronaut_image, idle_frame  # noqa: E402

SR = 16000


def make_clip(path: Path, seconds: float, width: int = 1280, height: int = 720, fps: Fraction = Fraction(25)) -> Path:
    """The astronaut with idle motion, framed as a 16:9 talking head."""
    image = astronaut_image()
    n = int(round(seconds * fps))
    pad = (width - height) // 2
    with media.VideoWriter(path, width, height, fps, comment=None) as w:
        for i in range(n):
            face = idle_frame(image, i / float(fps), height)
            w.write(np.ascontiguousarray(cv2.copyMakeBorder(face, 0, 0, pad, width - height - pad, cv2.BORDER_REFLECT)))
    return path


def speech(seconds: float) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """Speech-like audio (the shared narration looped when present, else bursts of tone)
    and a phoneme timeline of syllables with pauses."""
    shared = ROOT.parent / "shared" / "media" / "narration_en.wav"
    n = int(seconds * SR)
    if shared.exists():
        clip, _ = media.read_audio(shared, SR)
        audio = np.tile(clip, math.ceil(n / len(clip)))[:n]
    else:
        t = np.arange(n) / SR
        audio = (0.3 * np.clip(np.sin(2 * np.pi * 3 * t), 0, None) * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
    phones = ["h", "ə", "l", "oʊ", "m", "aɪ", "n", "eɪ", "m", "ɪ", "z", "b", "ɑ", "b"]
    timeline, t, i = [], 0.2, 0
    while t + 0.09 < seconds:
        timeline.append((t, t + 0.09, phones[i % len(phones)]))
        t += 0.09 + (0.4 if i % 17 == 16 else 0.0)
        i += 1
    return audio.astype(np.float32), timeline


def reencode(src: Path, out: Path, audio: np.ndarray) -> float:
    t = time.perf_counter()
    info = media.probe(src).video
    with media.VideoWriter(out, info.width, info.height, info.fps, audio=(audio, SR), comment=None) as w:
        for frame in media.iter_frames(src):
            w.write(frame)
    return time.perf_counter() - t


def render(cache: Path, src: Path, out: Path, seconds: float) -> tuple[float, object]:
    """The whole render call, as the pipeline makes it (engine created, audio given)."""
    audio, timeline = speech(seconds)
    t = time.perf_counter()
    engine = LipSyncEngine(cache)
    result = engine.render(src, audio, SR, timeline, out)
    return time.perf_counter() - t, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-shared", action="store_true", help="skip ../shared/media/presenter_a.mp4")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
        tmp = Path(tmp)
        clip = make_clip(tmp / "clip720.mp4", args.seconds)
        LipSyncEngine(tmp / "cache").analyse(clip)  # cached before timing
        audio, _ = speech(args.seconds)
        base = reencode(clip, tmp / "plain.mp4", audio)
        took, result = render(tmp / "cache", clip, tmp / "synced.mp4", args.seconds)
        print(f"720p {args.seconds:.0f} s ({result.frames} frames, renderer {result.renderer}): "
              f"re-encode {base:.1f} s ({result.frames / base:.1f} frames/s), "
              f"lip-sync render {took:.1f} s ({result.frames / took:.1f} frames/s), ratio {took / base:.2f}x")
        shared = ROOT.parent / "shared" / "media" / "presenter_a.mp4"
        if shared.exists() and not args.no_shared:
            narration, sr = media.read_audio(shared.parent / "narration_en.wav", SR)
            _, timeline = speech(len(narration) / sr)
            engine = LipSyncEngine(tmp / "cache")
            engine.analyse(shared)
            base = reencode(shared, tmp / "a_plain.mp4", narration)
            t = time.perf_counter()
            r = engine.render(shared, narration, sr, timeline, tmp / "a.mp4")
            took = time.perf_counter() - t
            print(f"presenter_a.mp4 ({r.width}x{r.height}, {r.frames} frames, renderer {r.renderer}): "
                  f"render {r.frames / took:.1f} frames/s, re-encode {r.frames / base:.1f} frames/s, "
                  f"ratio {took / base:.2f}x")


if __name__ == "__main__":
    main()
