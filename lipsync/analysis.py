"""Presenter analysis: run once per video, cached on disk by content hash.

Per source frame: smoothed landmarks (pixels), head pose, mouth shape (opening, width,
rounding, normalised by face size), face brightness; plus a library of exemplar lower-face
patches in a canonical face frame with their landmarks. Arrays live in .npy files opened
memory-mapped, so a long video's analysis never has to sit in memory whole.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from lipsync import media
from lipsync.errors import FaceTooSmallError
from lipsync.landmarks import (
    CHIN, JAW, N_LANDMARKS, STABLE, apply_affine, face_scale, face_width, mouth_shape, similarity,
)
from lipsync.tracking import FaceTracker

log = logging.getLogger(__name__)

#: bump when anything stored changes meaning; old cache entries are then ignored
#: (4: faces tracked on crops at the source resolution, face counts stored, and frames
#: decoded upright and tone-mapped: analyses of sideways or washed-out frames are not reused)
ANALYSIS_VERSION = 4
#: most exemplar patches kept per presenter (every k-th face frame of a long video)
MAX_EXEMPLARS = 400
#: frames are analysed at most this large (longest side, px): a 4K frame or a 4000x4000
#: photo is shrunk to it as soon as it is decoded (in the decoding thread), so memory stays
#: near what a 1080p input needs; landmarks are stored in source pixels all the same
ANALYSIS_MAX_SIDE = 1920
#: temporal smoothing of landmarks (Gaussian sigma, frames): removes tracker jitter but
#: keeps lip motion, which changes over 2-3 frames
SMOOTH_SIGMA = 0.8

Progress = Callable[[int, int], None]


def content_hash(path: Path) -> str:
    """SHA-256 (64 hex digits) of the file's bytes: the analysis cache's key."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@dataclass(frozen=True)
class ExemplarLibrary:
    """Lower-face patches of chosen source frames, all in one canonical face frame.

    `template` holds the canonical position of the `STABLE` landmarks: a frame's patch is
    the frame warped by the similarity taking its stable landmarks onto `template`.
    """

    frames: np.ndarray     # (K,) source frame index
    patches: np.ndarray    # (K, PH, PW, 3) uint8 RGB
    landmarks: np.ndarray  # (K, 478, 2) float32, canonical coordinates
    shape: np.ndarray      # (K, 3) mouth shape
    pose: np.ndarray       # (K, 3) yaw, pitch, roll
    template: np.ndarray   # (len(STABLE), 2) float32
    scale: float           # canonical face size (px between outer eye corners)

    def __len__(self) -> int:
        return len(self.frames)


@dataclass(frozen=True)
class PresenterAnalysis:
    path: Path
    content_hash: str
    width: int
    height: int
    fps: Fraction
    n_frames: int
    is_image: bool
    has_face: np.ndarray    # (N,) bool
    landmarks: np.ndarray   # (N, 478, 2) float32 pixels, NaN where no face
    pose: np.ndarray        # (N, 3) degrees, NaN where no face
    shape: np.ndarray       # (N, 3), NaN where no face
    brightness: np.ndarray  # (N,) mean luma of the face box, NaN where no face
    exemplars: ExemplarLibrary
    #: the most faces seen in one frame, and the width (px, jaw to jaw) of the largest face
    #: that is not the one followed (0 when there is none); the followed face is the largest
    faces_in_frame: int = 1
    other_face_px: float = 0.0
    #: True when this analysis was read from the cache rather than computed now
    from_cache: bool = False
    cache_path: Path | None = None

    @property
    def face_share(self) -> float:
        return float(self.has_face.mean()) if self.n_frames else 0.0

    def rest_shape(self) -> np.ndarray:
        """The presenter's mouth at rest: the least open fifth of the face frames."""
        shapes = self.shape[self.has_face]
        if not len(shapes):
            return np.array([0.0, 0.75, 0.35], np.float32)
        closed = shapes[shapes[:, 0] <= np.percentile(shapes[:, 0], 20)]
        return np.median(closed, axis=0).astype(np.float32)

    def open_shape(self) -> np.ndarray:
        """The widest opening the footage really shows (95th percentile)."""
        shapes = self.shape[self.has_face]
        if not len(shapes):
            return np.array([0.0, 0.75, 0.35], np.float32)
        return np.percentile(shapes, 95, axis=0).astype(np.float32)


# --------------------------------------------------------------------------- computing


def _canonical_template(points: np.ndarray) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Canonical frame from one face: eyes level, face size rounded, lower face at (0, 0).

    Returns (template stable points, canonical scale, patch size (w, h))."""
    scale = float(np.clip(round(face_scale(points)), 48, 200))
    left, right = points[33], points[263]
    angle = math.atan2(right[1] - left[1], right[0] - left[0])
    s = scale / face_scale(points)
    c, si = math.cos(-angle) * s, math.sin(-angle) * s
    m = np.array([[c, -si, 0.0], [si, c, 0.0]])
    canon = apply_affine(m, points)
    jaw = canon[JAW]
    x0 = jaw[:, 0].min() - 0.2 * scale
    x1 = jaw[:, 0].max() + 0.2 * scale
    y0 = canon[[4, 98, 327], 1].min() - 0.35 * scale
    y1 = canon[CHIN, 1] + 0.6 * scale
    canon = canon - np.array([x0, y0], np.float32)
    size = (int(math.ceil(x1 - x0)), int(math.ceil(y1 - y0)))
    return canon[STABLE].astype(np.float32), scale, size


def _smooth_landmarks(raw: np.ndarray, has_face: np.ndarray, out: np.ndarray, block: int = 1024) -> None:
    """Normalised Gaussian smoothing over time that never mixes across frames without a face."""
    from scipy.ndimage import gaussian_filter1d

    n = len(raw)
    pad = int(4 * SMOOTH_SIGMA) + 1
    for start in range(0, n, block):
        lo, hi = max(0, start - pad), min(n, start + block + pad)
        seg = np.nan_to_num(np.asarray(raw[lo:hi], np.float32))
        w = has_face[lo:hi].astype(np.float32)
        # Segments between gaps are smoothed on their own.
        num = gaussian_filter1d(seg * w[:, None, None], SMOOTH_SIGMA, axis=0, mode="nearest")
        den = gaussian_filter1d(w, SMOOTH_SIGMA, mode="nearest")
        sm = num / np.maximum(den, 1e-6)[:, None, None]
        sm[w == 0] = np.nan
        a, b = start - lo, start - lo + min(block, n - start)
        out[start:start + (b - a)] = sm[a:b]


def _prefetched(frames: Iterator[np.ndarray], depth: int = 2) -> Iterator[np.ndarray]:
    """The same frames, decoded `depth` frames ahead in a thread: FFmpeg and MediaPipe both
    release the GIL, so decoding overlaps tracking (a 720p analysis on the shared 2-core
    machine, load ~14: 36-46 frames/s with it, 29-34 without). A decoding error is raised
    in the consumer; a consumer that stops early stops the thread and closes `frames`."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        """Hand over one item unless the consumer has stopped (then never block)."""
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for frame in frames:
                if not put(frame):
                    return
            put(done)
        except BaseException as exc:  # handed to the consumer, which raises it
            put(exc)

    worker = threading.Thread(target=produce, name="analysis-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()
        close = getattr(frames, "close", None)
        if close is not None:
            close()


def _bounded(frames: Iterator[np.ndarray], max_side: int) -> Iterator[tuple[np.ndarray, float]]:
    """(frame no larger than `max_side`, source pixels per analysis pixel) for each frame."""
    for frame in frames:
        h, w = frame.shape[:2]
        if max(h, w) <= max_side:
            yield frame, 1.0
            continue
        s = max_side / max(h, w)
        small = np.ascontiguousarray(cv2.resize(frame, (max(1, round(w * s)), max(1, round(h * s))),
                                                interpolation=cv2.INTER_AREA))
        yield small, w / small.shape[1]


def _face_verdict(path: Path, tracker: FaceTracker, face: np.ndarray, smooth: np.ndarray, up: float) -> None:
    """Say what the tracker saw: a face too small (an error when no frame has a usable
    face) and several faces (a warning: the largest is lip-synced). `up`: source pixels
    per analysis pixel."""
    if not face.any():
        if tracker.too_small_px > 0:
            raise FaceTooSmallError(
                f"{path}: the face is only {tracker.too_small_px * up:.0f} px wide (jaw to jaw); lip-sync "
                f"needs at least {tracker.min_face_px * up:.0f} px: crop the video closer around the face "
                "or film closer")
        return
    if tracker.faces_in_frame > 1:
        width = float(np.median([face_width(smooth[i]) for i in np.flatnonzero(face)[::10]]))
        log.warning("%s: %d faces in the frame; lip-syncing the largest (%.0f px wide); the other "
                    "(%.0f px) keeps its own mouth", path, tracker.faces_in_frame, width,
                    tracker.other_face_px * up)


class _Exemplars:
    """Collects every `stride`-th face frame's lower-face patch in the canonical frame set
    by the first face seen (at most MAX_EXEMPLARS)."""

    def __init__(self, stride: int):
        self.stride = stride
        self.seen = 0
        self.frames: list[int] = []
        self.patches: list[np.ndarray] = []
        self.points: list[np.ndarray] = []
        self.template: np.ndarray | None = None
        self.scale = 0.0
        self.size = (0, 0)

    def add(self, index: int, frame: np.ndarray, pts: np.ndarray) -> None:
        """Offer a face frame (RGB) and its landmarks (pixels of that frame)."""
        if self.template is None:
            self.template, self.scale, self.size = _canonical_template(pts)
        if self.seen % self.stride == 0 and len(self.frames) < MAX_EXEMPLARS:
            m = similarity(pts[STABLE], self.template)
            self.patches.append(cv2.warpAffine(frame, m, self.size, flags=cv2.INTER_LINEAR,
                                               borderMode=cv2.BORDER_REPLICATE))
            self.points.append(apply_affine(m, pts))
            self.frames.append(index)
        self.seen += 1

    def arrays(self, pose: np.ndarray) -> dict[str, np.ndarray]:
        frames = np.array(self.frames, np.int64)
        template = self.template if self.template is not None else np.zeros((len(STABLE), 2), np.float32)
        pw, ph = self.size if self.template is not None else (1, 1)
        return {
            "ex_frames": frames,
            "ex_patches": np.stack(self.patches) if self.patches else np.zeros((0, ph, pw, 3), np.uint8),
            "ex_landmarks": np.stack(self.points) if self.points else np.zeros((0, N_LANDMARKS, 2), np.float32),
            "ex_shape": (np.stack([mouth_shape(p) for p in self.points]) if self.points
                         else np.zeros((0, 3), np.float32)),
            "ex_pose": pose[frames] if len(frames) else np.zeros((0, 3), np.float32),
            "template": template,
        }


def compute_analysis(path: Path, tracker: FaceTracker, progress: Progress | None = None) -> dict[str, np.ndarray | dict]:
    """Track every frame of `path` and build all arrays (in memory, see `write_cache`).

    Raises FaceTooSmallError when the only faces found are smaller than the tracker's
    minimum; MediaError for a file without pictures."""
    info = media.probe(path)
    if info.video is None:
        raise media.MediaError(f"{path}: has no video stream; give a video or a photo of the presenter")
    v = info.video
    expected = max(1, v.frames)
    stride = max(1, math.ceil(expected / MAX_EXEMPLARS))
    frame_ms = 1000.0 / float(v.fps)

    raw: list[np.ndarray] = []
    poses: list[np.ndarray] = []
    bright: list[float] = []
    has_face: list[bool] = []
    exemplars = _Exemplars(stride)
    nan_points = np.full((N_LANDMARKS, 2), np.nan, np.float32)
    up = 1.0
    for i, (frame, up) in enumerate(_prefetched(_bounded(media.iter_frames(path), ANALYSIS_MAX_SIDE))):
        obs = tracker.track(frame, round(i * frame_ms))
        if obs is None:
            raw.append(nan_points)
            poses.append(np.full(3, np.nan, np.float32))
            bright.append(np.nan)
            has_face.append(False)
        else:
            pts = obs.points  # analysis pixels; stored in source pixels
            raw.append(pts * np.float32(up) if up != 1.0 else pts)
            poses.append(obs.pose)
            has_face.append(True)
            x0, y0 = np.maximum(pts.min(0).astype(int), 0)
            x1, y1 = pts.max(0).astype(int) + 1
            box = frame[y0:y1, x0:x1]
            bright.append(float(box.mean()) if box.size else np.nan)
            exemplars.add(i, frame, pts)
        if progress is not None:
            progress(i + 1, max(expected, i + 1))
    n = len(raw)
    if n == 0:
        raise media.MediaError(f"{path}: the video stream holds no frames")
    raw_arr = np.stack(raw)
    face = np.array(has_face, bool)
    smooth = np.empty_like(raw_arr)
    _smooth_landmarks(raw_arr, face, smooth)
    _face_verdict(path, tracker, face, smooth, up)
    pose = np.stack(poses).astype(np.float32)
    shape = np.full((n, 3), np.nan, np.float32)
    for i in np.flatnonzero(face):
        shape[i] = mouth_shape(smooth[i])
    arrays = {"has_face": face, "landmarks": smooth.astype(np.float32), "pose": pose, "shape": shape,
              "brightness": np.array(bright, np.float32), **exemplars.arrays(pose)}
    meta = {"version": ANALYSIS_VERSION, "width": v.width, "height": v.height,
            "fps": [v.fps.numerator, v.fps.denominator], "n_frames": n,
            "is_image": bool(info.is_image), "canonical_scale": exemplars.scale,
            "faces_in_frame": int(tracker.faces_in_frame), "other_face_px": float(tracker.other_face_px * up),
            "analysis_scale": 1.0 / up,
            "source": str(path)}
    return {"arrays": arrays, "meta": meta}


# --------------------------------------------------------------------------- cache


def cache_entry(cache_dir: Path, digest: str) -> Path:
    return cache_dir / f"{digest[:40]}-v{ANALYSIS_VERSION}"


def write_cache(entry: Path, computed: dict) -> None:
    """Write atomically: into a temporary folder beside the entry, then rename."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=entry.name + ".tmp-", dir=entry.parent))
    try:
        for name, arr in computed["arrays"].items():
            np.save(tmp / f"{name}.npy", arr)
        (tmp / "meta.json").write_text(json.dumps(computed["meta"], indent=1))
        try:
            os.rename(tmp, entry)
        except OSError:
            # Another process finished the same analysis first: theirs is as good.
            if not (entry / "meta.json").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def load_cache(entry: Path, path: Path, digest: str, from_cache: bool) -> PresenterAnalysis | None:
    meta_file = entry / "meta.json"
    if not meta_file.exists():
        return None
    try:
        meta = json.loads(meta_file.read_text())
        if meta.get("version") != ANALYSIS_VERSION:
            return None

        def arr(name: str) -> np.ndarray:
            return np.load(entry / f"{name}.npy", mmap_mode="r")

        library = ExemplarLibrary(
            frames=np.asarray(arr("ex_frames")), patches=arr("ex_patches"),
            landmarks=arr("ex_landmarks"), shape=np.asarray(arr("ex_shape")),
            pose=np.asarray(arr("ex_pose")), template=np.asarray(arr("template")),
            scale=float(meta["canonical_scale"]))
        return PresenterAnalysis(
            path=path, content_hash=digest, width=int(meta["width"]), height=int(meta["height"]),
            fps=Fraction(*meta["fps"]), n_frames=int(meta["n_frames"]), is_image=bool(meta["is_image"]),
            has_face=np.asarray(arr("has_face")), landmarks=arr("landmarks"),
            pose=np.asarray(arr("pose")), shape=np.asarray(arr("shape")),
            brightness=np.asarray(arr("brightness")), exemplars=library,
            faces_in_frame=int(meta.get("faces_in_frame", 1)), other_face_px=float(meta.get("other_face_px", 0.0)),
            from_cache=from_cache, cache_path=entry)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        log.warning("ignoring a damaged analysis cache entry %s (%s)", entry, exc)
        return None
