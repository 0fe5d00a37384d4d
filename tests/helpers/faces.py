"""Presenter footage built in code: the astronaut face pasted at a known size into a wide frame."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

#: jaw-to-jaw width of the astronaut face in `idle_frame(image, t, size)`, per pixel of
#: `size` (89 px measured by the landmarker in the 512 px photo, whose 300 px crop is shown)
ASTRONAUT_JAW_PER_SIDE = 89.0 / 300.0


def head_side(face_px: float) -> int:
    """Side of the `idle_frame` head shot whose face is `face_px` wide (jaw to jaw)."""
    return max(8, int(round(face_px / ASTRONAUT_JAW_PER_SIDE)))


def wide_frame(t: float, canvas: tuple[int, int], faces: list[tuple[float, float, float]],
               grey: int = 120) -> np.ndarray:
    """One RGB frame (H, W, 3 uint8) of a grey canvas (w, h) with astronaut faces pasted at
    (face width px, centre x share, centre y share) each."""
    from pipeline.demo import astronaut_image, idle_frame

    w, h = canvas
    frame = np.full((h, w, 3), grey, np.uint8)
    image = astronaut_image()
    for face_px, fx, fy in faces:
        side = head_side(face_px)
        head = idle_frame(image, t, side)
        # Kept inside the canvas: a large face is moved, not cut.
        x0 = min(max(0, int(fx * w - side / 2)), w - side)
        y0 = min(max(0, int(fy * h - side / 2)), h - side)
        frame[y0:y0 + side, x0:x0 + side] = head
    return frame


def wide_shot(path: Path, canvas: tuple[int, int], faces: list[tuple[float, float, float]],
              seconds: float = 1.0, fps: Fraction = Fraction(25)) -> Path:
    """Write a video of `wide_frame`s (the faces move gently, as the demo presenter does)."""
    from lipsync.media import VideoWriter

    n = int(round(seconds * fps))
    with VideoWriter(path, canvas[0], canvas[1], fps, comment=None) as writer:
        for i in range(n):
            writer.write(wide_frame(i / float(fps), canvas, faces))
    return path


def wide_photo(path: Path, canvas: tuple[int, int], faces: list[tuple[float, float, float]]) -> Path:
    """Write a PNG photo of one `wide_frame`."""
    from PIL import Image

    Image.fromarray(wide_frame(0.0, canvas, faces)).save(path)
    return path
