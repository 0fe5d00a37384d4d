"""Peak memory (RSS) of a render does not grow with length: 10 s against 120 s of 720p,
each rendered in its own process; with --four-k, the peak of a 2 s 3840x2160 render (bounded
in resolution: frames stay in their planes, only the lower face is converted); with --photo, the
peak of a 2 s render of a 4000x4000 photo; with --x264, what libx264 alone holds at 4000x4000
and 3840x2160 with its default queue and with the writer's large-frame settings
(`lipsync.writer.LARGE_FRAME_X264`), and what that costs in PSNR against the frames given.

    .venv/bin/python bench/bench_memory.py [--height 720] [--four-k] [--photo] [--x264]
"""

from __future__ import annotations

import argparse
import json
import os
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
def rss_anon_kb():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
anon = [0]
done = threading.Event()
def sample():
    while not done.is_set():
        anon[0] = max(anon[0], rss_anon_kb())
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
quarters = []  # the heap at each quarter of the render: flat means no growth per frame
def progress(written, total):
    if written * 4 % total < 4 and written >= total // 4:
        quarters.append(rss_anon_kb() / 1024)
audio, timeline = speech(seconds)
r = LipSyncEngine(tmp / "cache").render(tmp / {name!r}, audio, SR, timeline, tmp / f"out{{seconds}}.mp4",
                                        progress=progress)
done.set()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"frames": r.frames, "peak_mb": peak / 1024, "peak_anon_mb": anon[0] / 1024, "quarters_mb": quarters}}))
"""

#: A 4000x4000 phone photo (the demo's astronaut scaled up), analysed in its own process.
PREPARE_PHOTO = r"""
import sys
from pathlib import Path
import cv2
from PIL import Image
sys.path.insert(0, {root!r})
from lipsync import LipSyncEngine
from pipeline.demo import astronaut_image
tmp = Path({tmp!r})
Image.fromarray(cv2.resize(astronaut_image(), (4000, 4000), interpolation=cv2.INTER_CUBIC)).save(tmp / "photo.jpg", quality=92)
LipSyncEngine(tmp / "cache").analyse(tmp / "photo.jpg")
"""


#: libx264 alone: 30 frames (4 idle-motion pictures of the astronaut, cycled) encoded at CRF 18
#: veryfast on the writer's thread count with the given x264-params; peak RSS over the RSS before encoding, PSNR of the
#: decoded result against the pictures given (Y'CbCr samples), file size.
ENCODE = r"""
import json, os, resource, sys
import av, cv2, numpy as np
sys.path.insert(0, {root!r})
from pipeline.demo import astronaut_image, idle_frame
w, h, params, out = {width}, {height}, {params!r}, {out!r}
image = cv2.resize(astronaut_image(), (h, h), interpolation=cv2.INTER_CUBIC)
pictures = []
for i in range(4):
    face = idle_frame(image, i * 0.3, h)
    face = cv2.copyMakeBorder(face, 0, 0, (w - h) // 2, w - h - (w - h) // 2, cv2.BORDER_REFLECT)
    pictures.append(av.VideoFrame.from_ndarray(face, format="rgb24").reformat(format="yuv420p").to_ndarray())
del image, face
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with av.open(out, "w") as c:
    s = c.add_stream("libx264", rate=25)
    s.width, s.height, s.pix_fmt = w, h, "yuv420p"
    s.options = {{"crf": "18", "preset": "veryfast", "threads": {threads!r},
                 **({{"x264-params": params}} if params else {{}})}}
    for i in range(30):
        f = av.VideoFrame.from_ndarray(pictures[i % 4], format="yuv420p")
        f.pts = i
        for p in s.encode(f):
            c.mux(p)
    for p in s.encode(None):
        c.mux(p)
held = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
with av.open(out) as c:
    mse = [np.mean((f.to_ndarray(format="yuv420p").astype(np.float32) - pictures[i % 4]) ** 2)
           for i, f in enumerate(c.decode(video=0))]
psnr = float(np.mean([10 * np.log10(255 ** 2 / max(m, 1e-9)) for m in mse]))
print(json.dumps({{"held_mb": held, "psnr": psnr, "kb": os.path.getsize(out) / 1024}}))
"""


def encoder_queue(tmp: Path) -> None:
    """libx264's memory and PSNR at 16 and 8 megapixels, default queue vs the writer's."""
    sys.path.insert(0, str(ROOT))
    from lipsync.writer import ENCODER_THREADS, LARGE_FRAME_X264

    for width, height in ((4000, 4000), (3840, 2160)):
        rows = []
        for params in ("", LARGE_FRAME_X264):
            code = ENCODE.format(root=str(ROOT), width=width, height=height, params=params, out=str(tmp / "x.mp4"),
                                 threads=str(ENCODER_THREADS))
            out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        (a, b) = rows
        print(f"libx264 at {width}x{height}, 30 frames: default queue holds {a['held_mb']:.0f} MB, PSNR {a['psnr']:.2f} dB, "
              f"{a['kb']:.0f} kB; with {LARGE_FRAME_X264}: {b['held_mb']:.0f} MB, PSNR {b['psnr']:.2f} dB, {b['kb']:.0f} kB")


#: glibc raises its mmap threshold after large frees and then keeps freed heap memory: fixing
#: the thresholds shows the memory a render really holds.
FIXED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "131072", "MALLOC_TRIM_THRESHOLD_": "131072"}


def run(tmp: Path, seconds: float, height: int, env: dict | None = None, photo: bool = False) -> dict:
    """Make the clip (or the 4000x4000 photo) and analyse it in one process, then render it in a
    fresh one."""
    name = "photo.jpg" if photo else f"clip{seconds}.mp4"
    values = dict(root=str(ROOT), bench=str(ROOT / "bench"), tmp=str(tmp), seconds=seconds, height=height, name=name)
    if not (tmp / name).exists():
        subprocess.run([sys.executable, "-c", (PREPARE_PHOTO if photo else PREPARE).format(**values)], check=True,
                       capture_output=True)
    out = subprocess.run([sys.executable, "-c", RENDER.format(**values)], check=True, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--four-k", action="store_true", help="only the 2 s 4K render's peak")
    parser.add_argument("--photo", action="store_true", help="only a 4000x4000 photo's 2 s render's peak")
    parser.add_argument("--x264", action="store_true", help="libx264's own memory and PSNR, default vs large-frame")
    args = parser.parse_args()
    if args.x264:
        with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
            encoder_queue(Path(tmp))
        return
    if args.photo:
        with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
            r = run(Path(tmp), 2, 0, photo=True)
        print(f"2 s render of a 4000x4000 photo ({r['frames']} frames): peak RSS {r['peak_mb']:.0f} MB, "
              f"peak anonymous RSS {r['peak_anon_mb']:.0f} MB")
        return
    if args.four_k:
        with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
            r = run(Path(tmp), 2, 2160)
        print(f"2 s 3840x2160 render ({r['frames']} frames): peak RSS {r['peak_mb']:.0f} MB, "
              f"peak anonymous RSS {r['peak_anon_mb']:.0f} MB")
        return
    with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
        short, long = run(Path(tmp), 10, args.height), run(Path(tmp), 120, args.height)
        short_fixed, long_fixed = (run(Path(tmp), s, args.height, FIXED_MALLOC) for s in (10, 120))
    rows = (("peak_mb", "peak RSS", short, long),
            ("peak_anon_mb", "peak anonymous RSS (heap, no mapped files)", short, long),
            ("peak_anon_mb", "the same with glibc's malloc thresholds fixed", short_fixed, long_fixed))
    for key, what, a, b in rows:
        print(f"{what} of a {args.height}p render: 10 s ({a['frames']} frames) {a[key]:.0f} MB, "
              f"120 s ({b['frames']} frames) {b[key]:.0f} MB, ratio {b[key] / a[key]:.2f}")
    print("heap during the 120 s render, at each quarter of its frames: "
          + ", ".join(f"{mb:.0f}" for mb in long["quarters_mb"]) + " MB")


if __name__ == "__main__":
    main()
