"""Presenter analysis speed at 720p (face tracking on every frame, decoding included).

    .venv/bin/python bench/bench_analysis.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_render import make_clip  # noqa: E402
from lipsync import LipSyncEngine, media  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
        tmp = Path(tmp)
        clip = make_clip(tmp / "clip720.mp4", args.seconds)
        t = time.perf_counter()
        n = sum(1 for _ in media.iter_frames(clip))
        decode = time.perf_counter() - t
        engine = LipSyncEngine(tmp / "cache")
        t = time.perf_counter()
        a = engine.analyse(clip)
        took = time.perf_counter() - t
        t = time.perf_counter()
        engine.analyse(clip)
        cached = time.perf_counter() - t
        print(f"analysis at 1280x720: {n / took:.1f} frames/s ({n} frames, face on {100 * a.face_share:.0f}%, "
              f"decoding alone {n / decode:.0f} frames/s); cached again in {cached * 1000:.0f} ms")


if __name__ == "__main__":
    main()
