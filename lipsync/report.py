"""How suitable a presenter's footage is for lip-sync, in plain words (pure, on an analysis)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from lipsync.analysis import PresenterAnalysis
from lipsync.landmarks import face_scale

#: the footage offers real mouth shapes when the opening spans at least this much (share of
#: the face size between the outer eye corners) and enough distinct shapes
EXEMPLAR_MIN_OPENING_RANGE = 0.10
EXEMPLAR_MIN_SHAPES = 6
EXEMPLAR_MIN_FRAMES = 12


@dataclass(frozen=True)
class PresenterReport:
    path: str
    frames: int
    #: share of frames with a tracked face, 0..1
    face_share: float
    #: median face height in pixels (brow to chin)
    face_size_px: float
    yaw_range: tuple[float, float]
    pitch_range: tuple[float, float]
    #: how many distinct mouth shapes (opening x width cells) the footage shows
    mouth_shapes: int
    #: spread of the mouth opening (share of the face size, 5th to 95th percentile)
    opening_range: float
    recommended_renderer: str
    advice: tuple[str, ...]
    #: the most faces seen in one frame; when more than one, the largest is lip-synced and
    #: `other_face_px` is the width (jaw to jaw, px) of the largest face left as it is
    faces_in_frame: int = 1
    other_face_px: float = 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["yaw_range"] = list(self.yaw_range)
        d["pitch_range"] = list(self.pitch_range)
        d["advice"] = list(self.advice)
        return d


def distinct_mouth_shapes(shape: np.ndarray) -> int:
    """Occupied cells of a grid over opening (0.04 steps) and width (0.05 steps)."""
    if not len(shape):
        return 0
    cells = np.stack([np.floor(shape[:, 0] / 0.04), np.floor(shape[:, 1] / 0.05)], 1)
    return int(len(np.unique(cells, axis=0)))


def opening_range(shape: np.ndarray) -> float:
    if not len(shape):
        return 0.0
    lo, hi = np.percentile(shape[:, 0], [5, 95])
    return float(hi - lo)


def recommend_renderer(analysis: PresenterAnalysis) -> str:
    """Exemplar when the footage shows enough mouth shapes to pick from, warp otherwise."""
    if analysis.is_image:
        return "warp"
    shapes = analysis.exemplars.shape
    if (len(shapes) >= EXEMPLAR_MIN_FRAMES and opening_range(shapes) >= EXEMPLAR_MIN_OPENING_RANGE
            and distinct_mouth_shapes(shapes) >= EXEMPLAR_MIN_SHAPES):
        return "exemplar"
    return "warp"


def presenter_report(analysis: PresenterAnalysis) -> PresenterReport:
    """How suitable `analysis`'s footage is, with advice in plain words (one line each)."""
    face = analysis.has_face
    shape = analysis.shape[face]
    pose = analysis.pose[face]
    advice: list[str] = []
    if not face.any():
        advice.append("No face was found in any frame: use footage where the presenter faces the camera.")
        return PresenterReport(str(analysis.path), analysis.n_frames, 0.0, 0.0, (0.0, 0.0), (0.0, 0.0),
                               0, 0.0, "none", tuple(advice), analysis.faces_in_frame, analysis.other_face_px)
    idx = np.flatnonzero(face)
    sample = idx[:: max(1, len(idx) // 200)]
    heights = [float(np.ptp(analysis.landmarks[i][:, 1])) for i in sample]
    eyes = [face_scale(np.asarray(analysis.landmarks[i])) for i in sample]
    face_px = float(np.median(heights))
    yaw = (float(np.percentile(pose[:, 0], 2)), float(np.percentile(pose[:, 0], 98)))
    pitch = (float(np.percentile(pose[:, 1], 2)), float(np.percentile(pose[:, 1], 98)))
    share = float(face.mean())
    shapes = distinct_mouth_shapes(shape)
    spread = opening_range(shape)
    renderer = recommend_renderer(analysis)
    if analysis.faces_in_frame > 1:
        advice.append(f"{analysis.faces_in_frame} faces are in the frame: the largest is lip-synced; the "
                      f"other ({analysis.other_face_px:.0f} px wide) keeps its own mouth. Crop to one "
                      "presenter if that is not the one speaking.")
    if share < 0.9:
        advice.append(f"The face is missing in {100 * (1 - share):.0f}% of the frames; those frames "
                      "keep the original mouth. Use footage where the face stays in view.")
    if face_px < 120 or float(np.median(eyes)) < 40:
        advice.append(f"The face is small ({face_px:.0f} px tall); mouths look soft below about "
                      "120 px. Crop closer or use higher-resolution footage.")
    if max(abs(yaw[0]), abs(yaw[1])) > 30:
        advice.append("The presenter turns the head far to the side; lip-sync works best facing the camera.")
    if max(abs(pitch[0]), abs(pitch[1])) > 25:
        advice.append("The presenter tilts the head far up or down; lip-sync works best level with the camera.")
    dark = float(np.nanmedian(analysis.brightness[face]))
    if dark < 60:
        advice.append("The face is dark; light it more evenly for a cleaner mouth.")
    if not analysis.is_image and renderer == "warp":
        advice.append("The presenter hardly opens the mouth in this footage, so mouths are drawn "
                      "geometrically (warp renderer). Footage of the presenter speaking gives more natural mouths.")
    if analysis.is_image:
        advice.append("A photo: the mouth is drawn geometrically (warp renderer); the head will not move.")
    return PresenterReport(str(analysis.path), analysis.n_frames, share, face_px, yaw, pitch,
                           shapes, spread, renderer, tuple(advice), analysis.faces_in_frame,
                           analysis.other_face_px)
