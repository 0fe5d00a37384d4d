"""Find faces of any size in a frame: the whole frame, then overlapping tiles.

MediaPipe's face detector (BlazeFace short range, the `face_detector.tflite` inside
`face_landmarker.task`) sees its input shrunk to 128x128 and, measured on the astronaut
face pasted at known sizes into plain frames (as tests/helpers/faces.py builds them), finds
faces down to about 12% of its input's width. Shown a whole 1280x720 frame it misses faces under ~160 px; shown 320 px
tiles it finds faces from ~40 px, and 160 px tiles (the `fine` search, used to measure a
face too small to lip-sync) from ~20 px. Frames larger than `SEARCH_MAX_SIDE` are searched
shrunk to it, so a search costs the same for 4K as for 1080p.
"""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lipsync.native import native_stderr_to_log

log = logging.getLogger(__name__)

#: frames are searched (and analysed) at most this large (longest side, px)
SEARCH_MAX_SIDE = 1920
#: tile sides (px at the search resolution); tiles overlap by half, so a face up to half a
#: tile wide lies whole inside one
TILE_SIDES = (320, 640)
FINE_TILE_SIDE = 160
#: detector score a face needs: the astronaut face pasted at 20-250 px into 720p and 1080p
#: frames scored 0.75-0.98, while suit patterns and folds found in tiles scored 0.50-0.63
#: (MediaPipe's default threshold is 0.5)
MIN_SCORE = 0.7
#: boxes overlapping more than this (intersection over the smaller box) are one face
SAME_FACE_OVERLAP = 0.5


@dataclass(frozen=True)
class FaceBox:
    """A detected face: box corners in pixels of the frame searched, detector score 0..1."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def centre(self) -> np.ndarray:
        return np.array([(self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2], np.float32)

    def overlap(self, other: FaceBox) -> float:
        """Intersection area over the smaller box's area, 0..1."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        if w <= 0 or h <= 0:
            return 0.0
        smaller = min((self.x1 - self.x0) * (self.y1 - self.y0), (other.x1 - other.x0) * (other.y1 - other.y0))
        return float(w * h / max(smaller, 1e-6))


def tile_origins(length: int, tile: int) -> list[int]:
    """Start offsets of tiles of side `tile` covering [0, length), overlapping by about half."""
    if length <= tile:
        return [0]
    count = int(np.ceil((length - tile) / (tile / 2))) + 1
    return [int(round(v)) for v in np.linspace(0, length - tile, count)]


def merge_boxes(boxes: list[FaceBox]) -> list[FaceBox]:
    """One box per face (best score wins among overlapping boxes), largest face first."""
    kept: list[FaceBox] = []
    for box in sorted(boxes, key=lambda b: -b.score):
        if all(box.overlap(k) <= SAME_FACE_OVERLAP for k in kept):
            kept.append(box)
    return sorted(kept, key=lambda b: -b.width)


def _cut_by_tile(box: FaceBox, x: int, y: int, side: int, width: int, height: int, scale: float) -> bool:
    """True when `box` (frame pixels) touches an edge of its tile that is not the frame's:
    the face is cut there, and lies whole in an overlapping tile or a larger one."""
    margin = 2.0
    x0, y0, x1, y1 = box.x0 * scale, box.y0 * scale, box.x1 * scale, box.y1 * scale
    return ((x > 0 and x0 <= x + margin) or (y > 0 and y0 <= y + margin)
            or (x + side < width and x1 >= x + side - margin) or (y + side < height and y1 >= y + side - margin))


def detector_model_bytes(bundle: Path) -> bytes:
    """The face detector inside a FaceLandmarker `.task` bundle (a zip file)."""
    with zipfile.ZipFile(bundle) as z:
        return z.read("face_detector.tflite")


class FaceSearch:
    """Whole-frame and tiled face detection (MediaPipe FaceDetector, IMAGE mode)."""

    def __init__(self, bundle: Path):
        from mediapipe.tasks.python import BaseOptions, vision

        import mediapipe as mp

        self._mp = mp
        options = vision.FaceDetectorOptions(
            base_options=BaseOptions(model_asset_buffer=detector_model_bytes(bundle)),
            running_mode=vision.RunningMode.IMAGE, min_detection_confidence=MIN_SCORE)
        with native_stderr_to_log(log, "face detector start"):
            self._detector = vision.FaceDetector.create_from_options(options)
        self._started = False

    def close(self) -> None:
        with native_stderr_to_log(log, "face detector close"):
            self._detector.close()

    def _detect(self, image: np.ndarray, dx: int, dy: int, scale: float) -> list[FaceBox]:
        mp_image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))
        if not self._started:  # the first detection prints glog's start-up lines
            with native_stderr_to_log(log, "face detector first image"):
                detections = self._detector.detect(mp_image).detections
            self._started = True
        else:
            detections = self._detector.detect(mp_image).detections
        out = []
        for d in detections:
            b = d.bounding_box
            score = float(d.categories[0].score) if d.categories else 0.0
            out.append(FaceBox((dx + b.origin_x) / scale, (dy + b.origin_y) / scale,
                               (dx + b.origin_x + b.width) / scale, (dy + b.origin_y + b.height) / scale, score))
        return out

    def find(self, frame: np.ndarray, fine: bool = False, tiles: bool = True) -> list[FaceBox]:
        """Faces in an RGB frame (H, W, 3 uint8), boxes in its pixels, largest first.

        `tiles=False` looks at the whole frame only (~2 ms; faces over ~12% of the frame's
        width); `fine` adds 160 px tiles, which find faces down to ~20 px (slow: to measure
        a face too small)."""
        h, w = frame.shape[:2]
        scale = min(1.0, SEARCH_MAX_SIDE / max(h, w))
        image = frame if scale >= 1.0 else cv2.resize(frame, (round(w * scale), round(h * scale)),
                                                      interpolation=cv2.INTER_AREA)
        ih, iw = image.shape[:2]
        # The detector sees 128 px: a whole frame shrunk to 512 loses nothing it can find.
        whole = min(1.0, 512 / max(ih, iw))
        small = image if whole >= 1.0 else cv2.resize(image, (round(iw * whole), round(ih * whole)),
                                                      interpolation=cv2.INTER_AREA)
        boxes = self._detect(small, 0, 0, scale * whole)
        sides = ([*TILE_SIDES, FINE_TILE_SIDE] if fine else list(TILE_SIDES)) if tiles else []
        for side in sides:
            if side >= max(ih, iw):
                continue
            for y in tile_origins(ih, side):
                for x in tile_origins(iw, side):
                    found = self._detect(image[y:y + side, x:x + side], x, y, scale)
                    boxes.extend(b for b in found if not _cut_by_tile(b, x, y, side, iw, ih, scale))
        return merge_boxes(boxes)
