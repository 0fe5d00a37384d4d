"""How photographic a mouth interior looks: its texture statistics (pure, on arrays).

A painted mouth gives itself away by a flat interior: one colour for the cavity, one for the
teeth. Two measures over the inner-mouth region (inside the judge's own inner-lip contour,
points 60-67 of the 68-point layout, shrunk away from the lip edge), taken after the face is
resampled so the eye centres lie `NORMALISED_EYE_DISTANCE` pixels apart (a measure in pixels
then means the same on a 300 px face as on a 900 px one):

- mean gradient magnitude: Sobel on the grey image, grey levels per pixel (teeth edges, gaps,
  the tongue's surface; 0 for a flat fill);
- chroma standard deviation: the spread of CIELAB a*, b* (sqrt of the mean of their variances;
  8-bit a*, b* units of OpenCV's float Lab, i.e. true CIELAB units), the colour variety of
  lips' shadow, teeth, gums and tongue (0 for a single colour).

Compared with the same measures on real open mouths (frames of real footage where the judge's
own tracker sees the lips well apart), each should sit within `TEXTURE_BAND` of real.

The reference rule (fixed 2026-11-30 from the principles below, before the renders were
measured against it; the earlier rule, a 96 px scale, was chosen after render figures were seen):

1. Matched resolution. A gradient in pixels compares two pictures only at a resolution both
   really have: upsampling a small face spreads its edges over more pixels (a lower gradient),
   downsampling a large one steepens them. So every face is first reduced (`cv2.INTER_AREA`)
   to `DETAIL_EYE_DISTANCE` = 40 px between the eye centres, at or below the smallest face
   judged (the built-in presenter's 480 px frame and its 512 px photo: 40-43 px), then put on
   the measuring grid of `NORMALISED_EYE_DISTANCE` (96 px, bilinear): all faces then carry the
   same detail, whatever their size or the camera. Normalising instead by each
   picture's own skin gradient was tried and rejected: on the photo that measures film grain
   (skin gradient 22 vs 4-13 in the videos), and it would put the photo's own, real smile at
   0.3x of real mouths.
2. People, not frames. Each real presenter gives the median of its open-mouth frames; the
   reference is the mean of those medians (`reference`), so each person counts once and a
   presenter who opens the mouth in more frames does not decide (frames of one clip are not
   independent samples of "real"). The three shared presenters themselves lie 0.68-1.55x of
   that reference (2026-11-30): the band is narrower than the spread between real people, so a
   render inside it sits nearer their mean than any one of them does.
3. A check on the rule, independent of the engine: the photo's own open mouth (a real smile)
   measured the same way (`bench/bench_mouth_texture.py` prints it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from pipeline.evaluate.regions import eye_distance, inner_lip_opening
from pipeline.evaluate.tracker import INNER_LIPS

if TYPE_CHECKING:
    from pipeline.evaluate.sync import LandmarkTracker

#: The face is resampled to this eye-centre distance before measuring, pixels: the grid the
#: measure is taken on (a face filling a 480-720 px frame), so the inset and pixel counts below
#: mean the same for every face.
NORMALISED_EYE_DISTANCE = 96.0
#: The common resolution (rule 1): detail finer than this eye-centre distance, in pixels, is
#: removed from every face before it goes onto the grid: at or below the smallest face judged
#: (the built-in presenter, 40-43 px), so every source is reduced to it, none enlarged.
DETAIL_EYE_DISTANCE = 40.0
#: The inner-lip region is shrunk by this share of the eye distance, so the lips' own edge (a
#: strong gradient every mouth has, painted or not) stays out of the interior's measure: 2 px at
#: the common resolution, over which a band-limited lip edge still ramps (a flat interior in
#: `tests/pipeline/test_evaluate_texture.py` measures 7 at 0.03, under 0.1 at 0.05).
EDGE_INSET = 0.05
#: Open mouths only: inner-lip opening (`inner_lip_opening`, over the eye distance) at least this.
OPEN_MOUTH = 0.12
#: A render's measure should lie within this factor range of real mouths' (issue 18, item 3).
TEXTURE_BAND = (0.7, 1.3)
#: Fewest interior pixels (after normalising and the inset) that make a measure.
MIN_PIXELS = 60


@dataclass(frozen=True)
class MouthTexture:
    """Texture of one inner-mouth region: mean Sobel gradient magnitude (grey levels per pixel
    at the normalised scale), chroma standard deviation (CIELAB a*/b* units), pixels measured."""

    gradient: float
    chroma_std: float
    pixels: int


def inner_mouth_mask(landmarks: np.ndarray, shape, inset: float = EDGE_INSET) -> np.ndarray:
    """Bool mask (shape[:2]) inside the inner-lip contour (68-point layout), shrunk by `inset`
    x the eye distance (at least one pixel)."""
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(landmarks[INNER_LIPS]).astype(np.int32)], 1)
    k = max(1, int(round(inset * eye_distance(landmarks))))
    mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1)))
    return mask.astype(bool)


def mouth_texture(frame: np.ndarray, landmarks: np.ndarray) -> MouthTexture | None:
    """Texture of the inner-mouth region of an RGB uint8 frame (H x W x 3) whose 68 landmarks
    (float, 68 x 2, pixels) are given; None when the region holds under `MIN_PIXELS` pixels
    at the normalised scale (a closed or tiny mouth)."""
    scale = NORMALISED_EYE_DISTANCE / max(eye_distance(landmarks), 1e-6)
    lips = landmarks[48:68]
    pad = 0.3 * eye_distance(landmarks)
    x0, y0 = np.maximum(np.floor(lips.min(0) - pad).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(lips.max(0) + pad).astype(int), (frame.shape[1], frame.shape[0]))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = np.ascontiguousarray(frame[y0:y1, x0:x1])
    # Band-limit to the common resolution first (rule 1), then measure on the fixed grid.
    detail = DETAIL_EYE_DISTANCE / max(eye_distance(landmarks), 1e-6)
    if detail < 1:
        small = (max(2, int(round((x1 - x0) * detail))), max(2, int(round((y1 - y0) * detail))))
        crop = cv2.resize(crop, small, interpolation=cv2.INTER_AREA)
    size = (max(4, int(round((x1 - x0) * scale))), max(4, int(round((y1 - y0) * scale))))
    interp = cv2.INTER_AREA if size[0] < crop.shape[1] else cv2.INTER_LINEAR
    crop = cv2.resize(crop, size, interpolation=interp)
    local = (landmarks - (x0, y0)) * scale
    mask = inner_mouth_mask(local, crop.shape)
    if int(mask.sum()) < MIN_PIXELS:
        return None
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    gradient = float(np.sqrt(gx * gx + gy * gy)[mask].mean())
    lab = cv2.cvtColor(crop.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    a, b = lab[..., 1][mask], lab[..., 2][mask]
    chroma = math.sqrt((float(a.var()) + float(b.var())) / 2)
    return MouthTexture(gradient, chroma, int(mask.sum()))


def is_open(landmarks: np.ndarray, threshold: float = OPEN_MOUTH) -> bool:
    """Whether the judge's tracker sees this mouth open (`inner_lip_opening` >= threshold)."""
    return inner_lip_opening(landmarks) >= threshold


def texture_ratio(render: MouthTexture, reference: MouthTexture) -> tuple[float, float]:
    """(gradient ratio, chroma-spread ratio) of a render's texture over the real mouths'."""
    return render.gradient / max(reference.gradient, 1e-9), render.chroma_std / max(reference.chroma_std, 1e-9)


def within_band(ratios: tuple[float, float], band: tuple[float, float] = TEXTURE_BAND) -> bool:
    return all(band[0] <= r <= band[1] for r in ratios)


def pooled(textures: list[MouthTexture]) -> MouthTexture:
    """The median of each measure over several mouths (a few odd frames do not move it)."""
    if not textures:
        raise ValueError("no open mouths to pool: the judge's tracker saw no open mouth in these frames")
    return MouthTexture(float(np.median([t.gradient for t in textures])),
                        float(np.median([t.chroma_std for t in textures])),
                        int(sum(t.pixels for t in textures)))


def open_mouth_textures(frames: Iterable[np.ndarray], tracker: LandmarkTracker, step: int = 1,
                        flatten: bool = False) -> list[MouthTexture]:
    """`mouth_texture` of every `step`-th RGB frame in which `tracker` (the judge's 68-point
    `DlibFaceTracker`) finds a face with an open mouth (`is_open`). `flatten`: measure each
    frame with its inner mouth filled by one colour first (`flat_interior`), the negative
    control a flat painted interior must fail."""
    out = []
    for i, frame in enumerate(frames):
        if i % step:
            continue
        landmarks = tracker.landmarks(frame)
        if landmarks is None or not is_open(landmarks):
            continue
        texture = mouth_texture(flat_interior(frame, landmarks) if flatten else frame, landmarks)
        if texture is not None:
            out.append(texture)
    return out


def flat_interior(frame: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """A copy of the RGB frame with the inside of its inner-lip contour (68-point layout) filled
    with that region's mean colour: a single-colour painted interior."""
    mask = inner_mouth_mask(landmarks, frame.shape, inset=0.0)
    out = frame.copy()
    if mask.any():
        out[mask] = np.round(frame[mask].reshape(-1, 3).mean(0)).astype(frame.dtype)
    return out


def reference(per_presenter: list[list[MouthTexture]]) -> MouthTexture:
    """Real open mouths' texture: the mean over presenters of each presenter's `pooled` median,
    so each real person counts once (pooling all frames would let the presenter who opens
    the mouth most often decide). Presenters with no open mouth are left out."""
    medians = [pooled(t) for t in per_presenter if t]
    if not medians:
        raise ValueError("no open mouths to pool: the judge's tracker saw no open mouth in these frames")
    return MouthTexture(float(np.mean([m.gradient for m in medians])), float(np.mean([m.chroma_std for m in medians])),
                        int(sum(m.pixels for m in medians)))
