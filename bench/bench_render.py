"""Render speed against a STRAIGHT re-encode, measured in one run.

The baseline is what a plain re-encode costs: PyAV decode and libx264 (`veryfast`, CRF 18, the
product's encoder settings) straight from the decoded yuv420p frames, no colour conversion,
same clip, audio muxed the same way; libx264 chooses the frame types itself, as `ffmpeg -c:v
libx264` lets it (`VideoWriter.write_frame` clears a decoded frame's I/P/B type; until
2026-11-30 the baseline passed the source's types on, which spared it about 1.5 ms a frame).
Printed: the render call (engine created, analysis cached) over the baseline in the same
process, and with --whole the whole `polydub lipsync` command (process start to exit,
alignment included, analysis cached) over the baseline run as its own process. Each ratio is
given in wall time and in CPU time (all threads; child processes for --whole), with the load
average: the machine is shared, and CPU time is the steadier figure. --profile prints where
the render's CPU time goes per frame (cProfile on the thread's CPU clock, cumulative, so the
shares overlap where one stage calls another; profiling slows Python-heavy stages most).

    .venv/bin/python bench/bench_render.py [--seconds 20] [--no-shared] [--profile] [--whole]

Also renders ../shared/media/presenter_a.mp4 (when present) against its own baseline.
"""

from __future__ import annotations

import argparse
import math
import os
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
SHARED = Path(os.environ.get("POLYDUB_TEST_MEDIA") or ROOT.parent / "shared" / "media")


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
    shared = SHARED / "narration_en.wav"
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


class Clock:
    """Wall and CPU (all threads of this process) seconds of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def reencode(src: Path, out: Path, audio: np.ndarray) -> float:
    """The straight baseline: decoded frames handed to the encoder as they are."""
    t = time.perf_counter()
    import av

    info = media.probe(src).video
    with av.open(str(src)) as container, media.VideoWriter(
            out, info.width, info.height, info.fps, audio=(audio, SR), comment=None, colour=info.colour) as w:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            w.write_frame(frame)
    return time.perf_counter() - t


def render(cache: Path, src: Path, out: Path, seconds: float) -> tuple[float, object]:
    """The whole render call, as the pipeline makes it (engine created, audio given)."""
    audio, timeline = speech(seconds)
    t = time.perf_counter()
    engine = LipSyncEngine(cache)
    result = engine.render(src, audio, SR, timeline, out)
    return time.perf_counter() - t, result


#: stage -> functions (module file suffix, function name) whose cumulative time it is
STAGES = {
    "decode": [("lipsync/decode.py", "decoded_frames")],
    "planes copy": [("lipsync/planes.py", "from_video_frame")],
    "crop to RGB": [("lipsync/planes.py", "rgb")],
    "Viterbi": [("lipsync/viterbi.py", "sliding_viterbi")],
    "mesh warp": [("lipsync/warping.py", "mesh_maps"), ("lipsync/warping.py", "warp_crop")],
    "colour match": [("lipsync/composite.py", "match_colour")],
    "mask + blend": [("lipsync/composite.py", "feathered_mask"), ("lipsync/composite.py", "blend"),
                     ("lipsync/composite.py", "mouth_polygon_mask")],
    "write-back": [("lipsync/planes.py", "with_rgb"), ("lipsync/planes.py", "to_video_frame")],
    "encode": [("lipsync/writer.py", "write_frame")],
}


class _Inline:
    """BackgroundStage run in the calling thread (cProfile sees one thread only)."""

    def __init__(self, work, depth=None):
        self.put = work

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def profile(cache: Path, src: Path, out: Path, seconds: float) -> None:
    """Where a frame's time goes, the pipeline's threads run inline so cProfile sees them.
    Timed in CPU time of that thread (steady on a shared machine); libx264's and the
    decoder's own threads are not in it: "encode" and "decode" are their calls' share only."""
    import cProfile
    import pstats
    from unittest import mock

    from lipsync import engine as engine_module

    audio, timeline = speech(seconds)
    engine = LipSyncEngine(cache)
    prof = cProfile.Profile(time.thread_time)
    with mock.patch.object(engine_module, "prefetch", lambda items, depth=None: iter(items)), \
            mock.patch.object(engine_module, "BackgroundStage", _Inline):
        prof.enable()
        t, cpu = time.thread_time(), time.process_time()
        result = engine.render(src, audio, SR, timeline, out)
        took, cpu = time.thread_time() - t, time.process_time() - cpu
        prof.disable()
    stats = pstats.Stats(prof).stats
    n = result.frames
    print(f"profile of the render call, one thread ({n} frames; CPU under cProfile: {took / n * 1000:.1f} ms/frame "
          f"in the thread, {cpu / n * 1000:.1f} ms/frame in the process with libx264's threads):")
    for stage, funcs in STAGES.items():
        total = sum(ct for (file, _, name), (_, _, _, ct, _) in stats.items()
                    if any(file.endswith(f) and name == fn for f, fn in funcs))
        print(f"  {stage:14s} {total / n * 1000:6.2f} ms/frame ({total / took * 100:4.1f} %)")


def whole_command(tmp: Path, clip: Path, seconds: float) -> None:
    """`polydub lipsync` with a transcript (analysis cached) over the baseline as a process."""
    import tts
    from pipeline.models import ModelStore

    text = ["Clean the filling nozzle at the end of every shift.",
            "Wear gloves and safety glasses before you start."]
    narration = tts.Synthesizer().synthesize(text * max(1, round(seconds / 6)), "en")
    wav = media.write_audio(tmp / "narration.wav", narration.audio, narration.sample_rate)
    (tmp / "words.txt").write_text(" ".join(text * max(1, round(seconds / 6))), encoding="utf-8")
    store = ModelStore()
    # The command runs the job graph on its data folder, whose runner keeps the engine's
    # presenter cache in <data>/cache/presenters: the analysis is cached there before timing.
    data = tmp / "data"
    LipSyncEngine(data / "cache" / "presenters", face_model=store.path("face-landmarker")).analyse(clip)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POLYDUB_DATA_DIR": str(data)}
    cli = [sys.executable, "-c", "from api.cli import main; main()", "lipsync", "--audio", str(wav),
           "--transcript", str(tmp / "words.txt"), "--presenter", str(clip), "--out", str(tmp / "cli"),
           "--language", "en"]
    took, took_cpu = _process_seconds(cli, env)
    base, base_cpu = _process_seconds([sys.executable, __file__, "--baseline", str(clip), str(wav)], env)
    print(f"whole command, {len(narration.audio) / narration.sample_rate:.0f} s narration: polydub lipsync "
          f"{took:.1f} s (CPU {took_cpu:.1f} s), straight re-encode process {base:.1f} s (CPU {base_cpu:.1f} s), "
          f"ratio {took / base:.2f}x wall, {took_cpu / base_cpu:.2f}x CPU; {_load()}")


def _process_seconds(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system, all threads) seconds of one process, start to exit
    (it must succeed; its output is captured)."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _load() -> str:
    return "load average {:.1f} / {:.1f} / {:.1f} (1 / 5 / 15 min)".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-shared", action="store_true", help="skip ../shared/media/presenter_a.mp4")
    parser.add_argument("--profile", action="store_true", help="time per frame per stage")
    parser.add_argument("--whole", action="store_true", help="time the whole polydub lipsync command too")
    parser.add_argument("--baseline", nargs=2, metavar=("CLIP", "WAV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:  # the baseline as its own process (for the whole-command ratio)
        audio, _ = media.read_audio(args.baseline[1], SR)
        with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
            reencode(Path(args.baseline[0]), Path(tmp) / "plain.mp4", audio)
        return
    with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
        tmp = Path(tmp)
        clip = make_clip(tmp / "clip720.mp4", args.seconds)
        LipSyncEngine(tmp / "cache").analyse(clip)  # cached before timing
        audio, _ = speech(args.seconds)
        with Clock() as base:
            reencode(clip, tmp / "plain.mp4", audio)
        with Clock() as took:
            _, result = render(tmp / "cache", clip, tmp / "synced.mp4", args.seconds)
        print(f"720p {args.seconds:.0f} s ({result.frames} frames, renderer {result.renderer}): "
              f"straight re-encode {base.wall:.1f} s ({result.frames / base.wall:.1f} frames/s, CPU {base.cpu:.1f} s), "
              f"render call {took.wall:.1f} s ({result.frames / took.wall:.1f} frames/s, CPU {took.cpu:.1f} s); "
              f"render-call ratio {took.wall / base.wall:.2f}x wall, {took.cpu / base.cpu:.2f}x CPU; {_load()}")
        if args.profile:
            profile(tmp / "cache", clip, tmp / "profiled.mp4", args.seconds)
        if args.whole:
            whole_command(tmp, clip, args.seconds)
        shared = SHARED / "presenter_a.mp4"
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
                  f"render {r.frames / took:.1f} frames/s, straight re-encode {r.frames / base:.1f} frames/s, "
                  f"render-call ratio {took / base:.2f}x")


if __name__ == "__main__":
    main()
