"""Frames per second of the Wav2Lip renderer against the default exemplar renderer, one run.

    .venv/bin/python bench/bench_wav2lip.py [--seconds 6] [--batches 16 128] [--checkpoint PATH]

Everything renders the same clip (the demo presenter, 480x480 at 25 fps) to the same
narration through the same engine, after one shared analysis, so the figures differ only by
renderer: a pass-through renderer (decode + encode only), the exemplar renderer, and the
Wav2Lip renderer at each batch size. Without --checkpoint the generator has random weights,
which cost the same time as trained ones. Also prints the generator alone (no video I/O).
Speed only; no figure is asserted.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class PassThrough:
    """Yields every frame unchanged: the engine's decode + encode cost."""

    name = "passthrough"

    def render(self, job, frames):
        for frame in frames:
            yield frame.image


def narration(seconds: float, sample_rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    voiced = sum(np.sin(2 * np.pi * 130 * h * t) / h for h in range(1, 12))
    return (0.1 * np.clip(np.sin(2 * np.pi * 3 * t), 0, None) * voiced).astype(np.float32)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="narration length (default 6 s)")
    parser.add_argument("--batches", type=int, nargs="+", default=[16, 128])
    parser.add_argument("--checkpoint", type=Path, help="a real wav2lip(.gan).pth (default: random weights)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import torch

    from lipsync.engine import LipSyncEngine
    from lipsync.renderers import RENDERERS
    from lipsync.wav2lip import Wav2LipModel, Wav2LipRenderer
    from pipeline.demo import make_demo_presenter

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        presenter = make_demo_presenter(tmp / "presenter.mp4", seconds=4.0)
        checkpoint = args.checkpoint
        if checkpoint is None:
            torch.manual_seed(0)
            checkpoint = tmp / "wav2lip.pth"
            torch.save({"state_dict": Wav2LipModel().state_dict()}, checkpoint)
        audio = narration(args.seconds)
        engine = LipSyncEngine(cache_dir=tmp / "cache", device="cpu")
        engine.analyse(presenter)  # shared by every run below, not timed

        def render(renderer, **options):
            return engine.render(presenter, audio, 16000, [], tmp / "out.mp4", renderer=renderer,
                                 renderer_options=options or None)

        frames = render(PassThrough()).frames
        rows: list[tuple[str, float]] = [("decode + encode only", frames / timed(lambda: render(PassThrough())))]
        if "exemplar" in RENDERERS:
            try:
                render("exemplar")  # warm-up: first use builds the renderer
                rows.append(("exemplar", frames / timed(lambda: render("exemplar"))))
            except (ImportError, AttributeError) as exc:
                print(f"exemplar renderer not available: {exc}")
        for batch in args.batches:
            renderer = Wav2LipRenderer(device="cpu", checkpoint=checkpoint, batch_size=batch)
            rows.append((f"wav2lip batch {batch}", frames / timed(lambda: render(renderer))))

        model = Wav2LipRenderer(device="cpu", checkpoint=checkpoint).model
        for batch in args.batches:
            mels = torch.randn(batch, 1, 80, 16)
            faces = torch.rand(batch, 6, 96, 96)
            with torch.inference_mode():
                model(mels[:2], faces[:2])
                seconds = timed(lambda: model(mels, faces))
            rows.append((f"generator alone, batch {batch}", batch / seconds))

    print(f"clip: demo presenter 480x480, {frames} frames at 25 fps; torch threads {torch.get_num_threads()}")
    base = dict(rows).get("exemplar")
    for label, fps in rows:
        ratio = f"  ({fps / base:.2f}x exemplar)" if base else ""
        print(f"{label:32s} {fps:7.2f} frames/s{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
