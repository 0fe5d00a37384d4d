"""Presenter analysis speed and memory (face search and tracking on every frame, decoding included).

    .venv/bin/python bench/bench_analysis.py [--seconds 6] [--no-memory]

Speed: frames/s of a fresh `LipSyncEngine.analyse` on a talking head (a face 200 px jaw to
jaw in 1280x720, 300 px in 1920x1080), and on a small face (80 px) in the same wide frames,
which the tiled face search has to find (issue 14 item 4: >= 40 frames/s at 720p, >= 20 at 1080p).
Memory: peak RSS of a fresh process analysing a 2 s 4K clip, a 4000x4000 photo and, for
comparison, a 2 s 1080p clip (issue 15: near what a 1080p input needs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_render import make_clip  # noqa: E402
from lipsync import LipSyncEngine, media  # noqa: E402
from pipeline.demo import astronaut_image, idle_frame  # noqa: E402

#: jaw-to-jaw width of the astronaut face per pixel of an `idle_frame` head shot (89 of 300)
JAW_PER_SIDE = 89.0 / 300.0

_MEASURE = """
import json, re, sys, time
from pathlib import Path
from lipsync import LipSyncEngine
engine = LipSyncEngine(Path(sys.argv[2]))
t = time.perf_counter()
a = engine.analyse(Path(sys.argv[1]))
# VmHWM, not getrusage: ru_maxrss keeps the forking parent's peak across exec.
hwm = int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
print(json.dumps({"seconds": time.perf_counter() - t, "face": a.face_share, "peak_mb": hwm / 1024}))
"""


def make_wide_shot(path: Path, seconds: float, width: int, height: int, face_px: float = 80.0,
                   fps: Fraction = Fraction(25)) -> Path:
    """The astronaut's head, `face_px` wide, moving gently in a grey wide frame."""
    image = astronaut_image()
    side = int(round(face_px / JAW_PER_SIDE))
    x0 = min(int(0.62 * width - side / 2), width - side)
    y0 = min(max(0, int(0.55 * height - side / 2)), height - side)
    with media.VideoWriter(path, width, height, fps, comment=None) as w:
        for i in range(int(round(seconds * fps))):
            frame = np.full((height, width, 3), 120, np.uint8)
            frame[y0:y0 + side, x0:x0 + side] = idle_frame(image, i / float(fps), side)
            w.write(frame)
    return path


def speed(tmp: Path, name: str, clip: Path) -> None:
    t = time.perf_counter()
    n = sum(1 for _ in media.iter_frames(clip))
    decode = time.perf_counter() - t
    engine = LipSyncEngine(tmp / f"cache-{name}")
    t, cpu = time.perf_counter(), time.process_time()
    a = engine.analyse(clip)
    took, cpu = time.perf_counter() - t, time.process_time() - cpu
    # CPU time per frame (all threads) says what the frames/s would be on idle cores when the
    # machine is shared: on 2 free cores, frames/s is about 2000 / that figure at best.
    print(f"{name:<26} {n / took:6.1f} frames/s  ({n} frames, face on {100 * a.face_share:.0f}%, "
          f"{1000 * cpu / n:.1f} ms CPU per frame, decoding alone {n / decode:.0f} frames/s; "
          f"load average {os.getloadavg()[0]:.1f})", flush=True)


def memory(tmp: Path, name: str, path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", _MEASURE, str(path), str(tmp / f"mem-{name}")],
                         capture_output=True, text=True, env=env, check=True)
    r = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"{name:<26} peak RSS {r['peak_mb']:5.0f} MB, analysis {r['seconds']:.1f} s "
          f"(face on {100 * r['face']:.0f}%)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--no-memory", action="store_true", help="skip the 4K and large-photo memory runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
        tmp = Path(tmp)
        print(f"analysis speed, {args.seconds:g} s clips at 25 fps (fresh cache each):")
        speed(tmp, "200 px face in 1280x720", make_wide_shot(tmp / "head720.mp4", args.seconds, 1280, 720, 200))
        speed(tmp, "300 px face in 1920x1080", make_wide_shot(tmp / "head1080.mp4", args.seconds, 1920, 1080, 300))
        speed(tmp, "80 px face in 1280x720", make_wide_shot(tmp / "wide720.mp4", args.seconds, 1280, 720))
        speed(tmp, "80 px face in 1920x1080", make_wide_shot(tmp / "wide1080.mp4", args.seconds, 1920, 1080))
        if args.no_memory:
            return
        print("peak memory of a fresh process analysing:")
        memory(tmp, "2 s 1920x1080 clip", make_clip(tmp / "m1080.mp4", 2.0, 1920, 1080))
        memory(tmp, "2 s 3840x2160 clip", make_clip(tmp / "m2160.mp4", 2.0, 3840, 2160))
        photo = tmp / "photo4000.png"
        cv2.imwrite(str(photo), cv2.cvtColor(cv2.resize(astronaut_image(), (4000, 4000),
                                                        interpolation=cv2.INTER_CUBIC), cv2.COLOR_RGB2BGR))
        memory(tmp, "4000x4000 photo", photo)


if __name__ == "__main__":
    main()
