"""Peak memory (RSS) of a render does not grow with length: 10 s against 120 s of 720p,
each rendered in its own process.

    .venv/bin/python bench/bench_memory.py [--height 720]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PREPARE = r"""
import sys
from pathlib import Path
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from bench_render import make_clip
from lipsync import LipSyncEngine
tmp, seconds, height = Path({tmp!r}), {seconds}, {height}
clip = make_clip(tmp / f"clip{{seconds}}.mp4", seconds, width=height * 16 // 9, height=height)
LipSyncEngine(tmp / "cache").analyse(clip)
"""

RENDER = r"""
import json, resource, sys, threading, time
from pathlib import Path
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from bench_render import speech, SR
from lipsync import LipSyncEngine
tmp, seconds = Path({tmp!r}), {seconds}
# Anonymous memory (the heap) apart from file-backed pages: the cached analysis is memory-
# mapped, and its pages count in RSS as they are read although the kernel may drop them.
anon = [0]
done = threading.Event()
def sample():
    while not done.is_set():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                anon[0] = max(anon[0], int(line.split()[1]))
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
audio, timeline = speech(seconds)
r = LipSyncEngine(tmp / "cache").render(tmp / f"clip{{seconds}}.mp4", audio, SR, timeline, tmp / f"out{{seconds}}.mp4")
done.set()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"frames": r.frames, "peak_mb": peak / 1024, "peak_anon_mb": anon[0] / 1024}}))
"""


def run(tmp: Path, seconds: float, height: int) -> dict:
    """Make the clip and analyse it in one process, then render it in a fresh one."""
    values = dict(root=str(ROOT), bench=str(ROOT / "bench"), tmp=str(tmp), seconds=seconds, height=height)
    subprocess.run([sys.executable, "-c", PREPARE.format(**values)], check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", RENDER.format(**values)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
        short = run(Path(tmp), 10, args.height)
        long = run(Path(tmp), 120, args.height)
    for key, what in (("peak_mb", "peak RSS"), ("peak_anon_mb", "peak anonymous RSS (heap, no mapped files)")):
        print(f"{what} of a {args.height}p render: 10 s ({short['frames']} frames) {short[key]:.0f} MB, "
              f"120 s ({long['frames']} frames) {long[key]:.0f} MB, ratio {long[key] / short[key]:.2f}")


if __name__ == "__main__":
    main()
