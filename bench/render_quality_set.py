"""Render bench_quality's nine renders with whichever engine is first on the path, so renders
of two commits can be judged by one judge ("quality holds" of issue 14).

    .venv/bin/python bench/bench_quality.py --save-drives drives.npz
    git worktree add /tmp/before REV
    PYTHONPATH=/tmp/before .venv/bin/python bench/render_quality_set.py drives.npz renders-before
    PYTHONPATH=$PWD .venv/bin/python bench/render_quality_set.py drives.npz renders-now
    PYTHONPATH=$PWD .venv/bin/python bench/render_quality_set.py drives.npz renders-1t --x264-threads 1
    .venv/bin/python bench/bench_quality.py --renders renders-before   # and the others

The engine of REV is imported from PYTHONPATH (this script adds nothing to the path); its
`LipSyncEngine.render(presenter, audio, rate, timeline, out)` is called as bench_quality calls
it, renderer "auto", into OUT/presenter_<p>_<narration>.mp4. `--x264-threads` re-encodes the
same pixels with another libx264 thread count: a control of how far the judge's measures move
when only the encode differs.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np


def load_drives(path: Path) -> dict[str, tuple[np.ndarray, int, tuple]]:
    """What `bench_quality.save_drives` wrote: name -> (samples, rate, timeline)."""
    with np.load(path, allow_pickle=False) as z:
        names = sorted({key.rsplit(".", 1)[0] for key in z.files})
        return {n: (z[f"{n}.audio"], int(z[f"{n}.rate"]),
                    tuple((float(a), float(b), str(ph)) for (a, b), ph in zip(z[f"{n}.times"], z[f"{n}.phones"])))
                for n in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drives", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--media", type=Path,
                        default=Path(os.environ.get("POLYDUB_TEST_MEDIA") or "../shared/media"))
    parser.add_argument("--x264-threads", type=int, help="libx264 threads (the writer's ENCODER_THREADS)")
    args = parser.parse_args()
    import lipsync

    if args.x264_threads:
        import lipsync.writer

        lipsync.writer.ENCODER_THREADS = args.x264_threads
    args.out.mkdir(parents=True, exist_ok=True)
    engine = lipsync.LipSyncEngine(args.out / "cache")
    for p in "abc":
        for name, (samples, rate, timeline) in load_drives(args.drives).items():
            out = args.out / f"presenter_{p}_{name}.mp4"
            result = engine.render(args.media / f"presenter_{p}.mp4", samples, rate, timeline, out)
            print(f"{out.name}: {result.renderer}, {result.frames} frames ({lipsync.__file__})")


if __name__ == "__main__":
    main()
