"""Render speed against a STRAIGHT re-encode, measured in one run.

The baseline is what a plain re-encode costs: PyAV decode and libx264 (`veryfast`, CRF 18, the
product's encoder settings) straight from the decoded yuv420p frames, no colour conversion,
same clip, the same audio muxed the same way; libx264 chooses the frame types itself, as
`ffmpeg -c:v libx264` lets it (`VideoWriter.write_frame` clears a decoded frame's I/P/B type).

Every timed piece runs in a FRESH process, one after the other: the baseline, the render call
(engine created, analysis cached, timed inside its process), with --whole the whole `polydub
lipsync --transcript` command (process start to exit, alignment included, analysis cached),
then the baseline again. Until 2026-11-30 the baseline ran inside the bench process after the
presenter analysis and the render call after it: that in-process baseline measured 20.2 s wall
/ 30.3 s CPU where the same re-encode as its own process took 15.8 / 23.4 s, which flattered the
render-call ratio (1.34x then). Both baselines are printed (their spread shows how steady the
machine was); the ratios use their mean. The render-call ratio compares the re-encode call with
the render call (both timed inside their process); the whole-command ratio compares process
start to exit of both.

Fair work: the whole command writes as many frames as the clip has. Its narration is the
synthesized sentences that fit in the clip, padded with silence to the clip's exact length
(a longer narration would play frames backwards and write more frames than the baseline),
and the baseline and the render call mux that same narration.

Each ratio is given in wall time and in CPU time (user + system, all threads of the process),
with the load average: the machine is shared, and CPU time is the steadier figure. --profile
prints where the render's CPU time goes per frame (cProfile on the thread's CPU clock,
cumulative, so the shares overlap where one stage calls another; profiling slows Python-heavy
stages most).

With --threads each timed call also prints its CPU per frame by thread (sampled from
/proc/self/task every 20 ms; Linux): the render's own Python threads by name, and "native" for
the rest (libx264's, the decoder's). Sampling costs a little CPU: compare ratios without it.

    .venv/bin/python bench/bench_render.py [--seconds 20] [--no-shared] [--profile] [--whole] [--threads]

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
#: set (by --threads) in the environment of the timed child processes
THREADS_ENV = "POLYDUB_BENCH_THREADS"
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


class ThreadCPU:
    """CPU seconds per thread of this process over a block, from /proc/self/task sampled
    every 20 ms by a thread of its own (a thread's last sample before it exits counts):
    Python threads by name ("main" for the main thread), the others as "native"."""

    def __enter__(self) -> ThreadCPU:
        import threading

        self._seen: dict[int, float] = {}
        self._names: dict[int, str] = {threading.main_thread().native_id: "main"}
        self._stop = threading.Event()
        self._sample()
        self._before = dict(self._seen)
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._sample()
        self._sample()

    def _sample(self) -> None:
        import threading

        for t in threading.enumerate():
            if t.native_id is not None and t.name != "bench-sampler":
                self._names.setdefault(t.native_id, t.name)
        tick = os.sysconf("SC_CLK_TCK")
        for tid in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:  # the thread ended
                continue
            self._seen[int(tid)] = max(self._seen.get(int(tid), 0.0), (int(fields[11]) + int(fields[12])) / tick)

    def per_frame(self, frames: int) -> str:
        """"name ms/frame" for each kind of thread, largest first."""
        sampler = self._thread.native_id
        total: dict[str, float] = {}
        for tid, cpu in self._seen.items():
            if tid != sampler:
                name = self._names.get(tid, "native")
                total[name] = total.get(name, 0.0) + cpu - self._before.get(tid, 0.0)
        return ", ".join(f"{k} {v / frames * 1000:.2f}" for k, v in sorted(total.items(), key=lambda kv: -kv[1]))


def reencode(src: Path, out: Path, audio: np.ndarray, frames: int = 0) -> float:
    """The straight baseline: decoded frames handed to the encoder as they are (the first
    `frames` of them when given)."""
    t = time.perf_counter()
    import av

    info = media.probe(src).video
    with av.open(str(src)) as container, media.VideoWriter(
            out, info.width, info.height, info.fps, audio=(audio, SR), comment=None, colour=info.colour) as w:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            w.write_frame(frame)
            if w.frames_written == frames:
                break
    return time.perf_counter() - t


#: stage -> functions (module file suffix, function name) whose cumulative time it is
STAGES = {
    "decode": [("lipsync/decode.py", "decoded_frames")],
    "planes kept": [("lipsync/planes.py", "from_video_frame")],
    "crop to RGB": [("lipsync/planes.py", "rgb")],
    "Viterbi": [("lipsync/viterbi.py", "sliding_viterbi")],
    "mesh warp": [("lipsync/warping.py", "fold_free_simplices"), ("lipsync/warping.py", "mesh_maps"),
                  ("lipsync/warping.py", "warp_crop")],
    "mouth interior": [("lipsync/renderers/interior.py", "paint_textured_interior")],
    "teeth colour": [("lipsync/renderers/warp.py", "own_teeth")],
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


def narration_for(tmp: Path, frames: int, fps: Fraction) -> tuple[Path, Path]:
    """A synthesized narration exactly `frames` frames long (the sentences that fit, then
    silence) and its transcript: (wav, words.txt)."""
    import tts

    text = ["Clean the filling nozzle at the end of every shift.",
            "Wear gloves and safety glasses before you start."]
    seconds = frames / float(fps)
    count = max(1, int(seconds / 3.0))  # a sentence takes about 3.2 s
    synth = tts.Synthesizer()
    while True:
        sentences = [text[i % 2] for i in range(count)]
        speech_ = synth.synthesize(sentences, "en")
        rate = speech_.sample_rate
        if len(speech_.audio) <= seconds * rate or count == 1:
            break
        count -= 1
    n = int(round(seconds * rate))
    audio = np.zeros(n, np.float32)
    audio[: min(n, len(speech_.audio))] = speech_.audio[:n]
    wav = media.write_audio(tmp / "narration.wav", audio, rate)
    words = tmp / "words.txt"
    words.write_text(" ".join(sentences), encoding="utf-8")
    return wav, words


def whole_command(tmp: Path, clip: Path, cache: Path, wav: Path, words: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds of `polydub lipsync` with a transcript (analysis cached), process
    start to exit, and where they went (`_steps`)."""
    import shutil

    # The command runs the job graph on its data folder, whose runner keeps the engine's
    # presenter cache in <data>/cache/presenters: the bench's analysis is copied there.
    data = tmp / "data"
    shutil.copytree(cache, data / "cache" / "presenters")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POLYDUB_DATA_DIR": str(data)}
    cli = [sys.executable, "-c", "from api.cli import main; main()", "lipsync", "--audio", str(wav),
           "--transcript", str(words), "--presenter", str(clip), "--out", str(tmp / "cli"), "--language", "en"]
    started = time.time()
    wall, cpu, _ = _process(cli, env)
    return wall, cpu, _steps(data / "jobs.sqlite", started, wall)


def _steps(db: Path, started: float, wall: float) -> str:
    """Where the whole command's seconds went, from the job's task timestamps."""
    import sqlite3

    try:
        with sqlite3.connect(db) as con:
            tasks = con.execute("select kind, started, finished from tasks order by started").fetchall()
    except sqlite3.Error as exc:
        return f"no task timestamps ({exc})"
    if not tasks:
        return "no tasks ran"
    steps = ", ".join(f"{kind} {finished - begun:.2f} s" for kind, begun, finished in tasks)
    return (f"start-up (imports, input checks, job stored) {tasks[0][1] - started:.2f} s, {steps}, "
            f"after the last step (packs copied, exit) {started + wall - tasks[-1][2]:.2f} s")


def _child(mode: str, clip: Path, wav: Path, cache: Path, out: Path,
           frames: int = 0) -> tuple[tuple[float, float, int], tuple[float, float], str]:
    """Run `--child MODE` in a fresh process: ((wall, CPU, frames) of the timed call inside
    it, (wall, CPU) of the process start to exit, its CPU by thread or ""). `frames`: the
    baseline's frame limit."""
    wall, cpu, text = _process([sys.executable, __file__, "--child", mode, str(clip), str(wav), str(cache), str(out),
                                str(frames)], {**os.environ, "PYTHONPATH": str(ROOT)})
    lines = text.strip().splitlines()
    call_wall, call_cpu, frames = lines[-1].split()
    threads = lines[-2] if len(lines) > 1 and lines[-2].startswith("threads: ") else ""
    return (float(call_wall), float(call_cpu), int(frames)), (wall, cpu), threads


def _process(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall-clock and CPU (user + system, all threads) seconds of one process, start to exit,
    and its standard output (it must succeed)."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode:
        raise SystemExit(f"{cmd[:4]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stdout


def child_main(mode: str, clip: Path, wav: Path, cache: Path, out: Path, frames: int = 0) -> None:
    """The timed call of one fresh process; prints "wall cpu frames" last (with --threads,
    "threads: ..." before it)."""
    from contextlib import nullcontext

    audio, _ = media.read_audio(wav, SR)
    split = ThreadCPU() if os.environ.get(THREADS_ENV) else nullcontext()
    if mode == "baseline":
        with split, Clock() as c:
            reencode(clip, out, audio, frames)
        frames = media.probe(out).video.frames
    else:
        _, timeline = speech(len(audio) / SR)
        with split, Clock() as c:
            result = LipSyncEngine(cache).render(clip, audio, SR, timeline, out)
        frames = result.frames
    if isinstance(split, ThreadCPU):
        print(f"threads: {split.per_frame(frames)} ms/frame")
    print(f"{c.wall:.3f} {c.cpu:.3f} {frames}")


def _load() -> str:
    return "load average {:.1f} / {:.1f} / {:.1f} (1 / 5 / 15 min)".format(*os.getloadavg())


def compare(label: str, tmp: Path, clip: Path, wav: Path, cache: Path, whole: Path | None = None) -> None:
    """Baseline, render call, [whole command], baseline again: each a fresh process."""
    # The render writes a frame per 1/fps of narration: a shorter narration than the clip
    # (the shared one) is compared with a re-encode of as many frames.
    info = media.probe(clip).video
    frames = media.frames_for_duration(len(media.read_audio(wav, SR)[0]) / SR, info.fps)
    frames = frames if frames < info.frames else 0
    b1, p1, b1_threads = _child("baseline", clip, wav, cache, tmp / "plain1.mp4", frames)
    r, rp, r_threads = _child("render", clip, wav, cache, tmp / "synced.mp4")
    if whole is not None:
        load_before = _load()
        w = whole_command(tmp, clip, cache, wav, whole)
    b2, p2, _ = _child("baseline", clip, wav, cache, tmp / "plain2.mp4", frames)
    bw, bc = (b1[0] + b2[0]) / 2, (b1[1] + b2[1]) / 2
    frames = r[2]
    print(f"{label} ({frames} frames; baseline wrote {b1[2]}):\n"
          f"  straight re-encode call {b1[0]:.1f} / {b2[0]:.1f} s wall (CPU {b1[1]:.1f} / {b2[1]:.1f} s), "
          f"as a process {p1[0]:.1f} / {p2[0]:.1f} s (CPU {p1[1]:.1f} / {p2[1]:.1f} s)\n"
          f"  render call {r[0]:.1f} s wall ({frames / r[0]:.1f} frames/s, CPU {r[1]:.1f} s; process {rp[0]:.1f} s)"
          f"\n  RENDER-CALL RATIO {r[0] / bw:.2f}x wall, {r[1] / bc:.2f}x CPU; {_load()}")
    if r_threads:
        print(f"  CPU by thread: render call {r_threads[len('threads: '):]}; first re-encode "
              f"{b1_threads[len('threads: '):]}")
    if whole is not None:
        pw, pc = (p1[0] + p2[0]) / 2, (p1[1] + p2[1]) / 2
        print(f"  whole polydub lipsync --transcript command {w[0]:.1f} s wall (CPU {w[1]:.1f} s), over the "
              f"baseline process; its steps (wall): {w[2]}\n"
              f"  WHOLE-COMMAND RATIO {w[0] / pw:.2f}x wall, {w[1] / pc:.2f}x CPU; "
              f"load before it {load_before}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-shared", action="store_true", help="skip ../shared/media/presenter_a.mp4")
    parser.add_argument("--profile", action="store_true", help="time per frame per stage")
    parser.add_argument("--whole", action="store_true", help="time the whole polydub lipsync command too")
    parser.add_argument("--threads", action="store_true", help="CPU per frame by thread of each timed call")
    parser.add_argument("--child", nargs=6, metavar=("MODE", "CLIP", "WAV", "CACHE", "OUT", "FRAMES"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one timed call in a fresh process
        child_main(args.child[0], *(Path(a) for a in args.child[1:5]), int(args.child[5]))
        return
    if args.threads:
        os.environ[THREADS_ENV] = "1"  # read by the timed child processes
    print(f"start: {_load()}")
    with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
        tmp = Path(tmp)
        fps = Fraction(25)
        clip = make_clip(tmp / "clip720.mp4", args.seconds, fps=fps)
        frames = media.probe(clip).video.frames
        LipSyncEngine(tmp / "cache").analyse(clip)  # cached before timing
        words = None
        if args.whole:
            wav, words = narration_for(tmp, frames, fps)
        else:
            wav = media.write_audio(tmp / "speech.wav", speech(frames / float(fps))[0], SR)
        compare(f"720p {args.seconds:.0f} s clip, warp renderer", tmp, clip, wav, tmp / "cache", words)
        if args.profile:
            profile(tmp / "cache", clip, tmp / "profiled.mp4", args.seconds)
        shared = SHARED / "presenter_a.mp4"
        if shared.exists() and not args.no_shared:
            LipSyncEngine(tmp / "cache").analyse(shared)
            (tmp / "a").mkdir()
            compare("presenter_a.mp4", tmp / "a", shared, shared.parent / "narration_en.wav", tmp / "cache")


if __name__ == "__main__":
    main()
