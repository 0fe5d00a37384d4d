"""The untouched-face bar shared by tests/lipsync/test_assembly.py and bench/bench_jaw.py --upper:
the regions a render must leave as a plain re-encode would (MediaPipe landmarks), that plain
re-encode, and PSNR from a summed squared error."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from lipsync import media
from lipsync.landmarks import JAW, face_scale


def face_regions(points: np.ndarray, box, width: int, height: int) -> dict[str, np.ndarray]:
    """Bool masks: the upper face (brow to just above the nose tip), the bands beside the face
    at mouth height (outside the render box) and a 4-pixel ring just inside the box edge."""
    s = face_scale(points)
    masks = {k: np.zeros((height, width), bool) for k in ("upper", "band", "edge")}
    jx0, jx1 = int(points[JAW, 0].min()), int(points[JAW, 0].max())
    top, nose = max(0, int(points[:, 1].min())), int(points[4, 1] - 0.1 * s)
    masks["upper"][top:nose, max(0, jx0):jx1] = True
    mouth_y = int(points[[13, 14], 1].mean())
    rows = slice(max(0, int(mouth_y - 0.25 * s)), int(mouth_y + 0.25 * s))
    x0, y0, x1, y1 = box
    w = int(0.6 * s)
    masks["band"][rows, max(0, x0 - w):x0] = True
    masks["band"][rows, x1:x1 + w] = True
    masks["edge"][y0:y1, x0:x1] = True
    masks["edge"][y0 + 4:y1 - 4, x0 + 4:x1 - 4] = False
    return masks


def straight_reencode(video: Path, order: Iterable[int], out: Path, types: Sequence[str | None] = ()) -> Path:
    """PyAV decode + libx264 veryfast CRF 18 straight from the decoded planes, playback order;
    frame i coded with `types[i]` ("I"/"P"/"B") where given (the render's, so both are
    compared at equal frame types, as the judge does), else as libx264 chooses."""
    with media.FrameSequence(video) as seq, media.VideoWriter(
            out, seq.info.width, seq.info.height, seq.info.fps, comment=None, colour=seq.output) as w:
        for i, (_, planes) in enumerate(seq.planes(order)):
            w.write_planes(planes, types[i] if i < len(types) else None)
    return out


def psnr(sse: float, n: int) -> float:
    """PSNR in dB of a summed squared error over `n` 8-bit values."""
    return 10 * math.log10(255.0 ** 2 / max(sse / max(n, 1), 1e-9))
