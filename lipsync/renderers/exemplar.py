"""Exemplar renderer: the presenter's own mouths, chosen to match the speech.

For each output frame a Viterbi pass over a sliding window picks a library mouth by shape
and head pose; the exemplar is aligned to the current face by a similarity on stable
landmarks, its lower face warped onto the current face with its lips at the exact target
opening, colour matched, and blended in. By default (``follow_jaw=True``) the chin and the jaw
line follow the exemplar's (a mouth closing on a dropped source chin lifts the chin with it),
moved further by the lower lip's fine-tuning to the target opening (the jaw carries the lower
lip): round the chin the blend reaches below the jaw line (neck and collar from the exemplar
frame); beside the mouth it stays inside it, so the face's silhouette and the band beside it
stay the source's; with ``follow_jaw=False`` the blend stays inside the current jaw line. Teeth
and tongue are the presenter's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

import numpy as np

from lipsync.analysis import ExemplarLibrary, PresenterAnalysis
from lipsync.composite import (
    blend, feathered_mask, jaw_following_polygon, lower_face_polygon, match_colour, mouth_polygon_mask, polygon_box,
)
from lipsync.errors import RenderError
from lipsync.landmarks import (
    JAW, LIPS_OUTER, LOWER_INNER_MID, STABLE, apply_affine, face_scale, invert_affine, similarity,
)
from lipsync.mouth import MouthTrack
from lipsync.renderers.base import FrameInput, RenderJob
from lipsync.renderers.shaping import LIP_POINTS, UNDER_LIP, inner_opening_px, reshape_mouth
from lipsync.viterbi import sliding_viterbi
from lipsync.warping import fold_free_simplices, mesh_maps, ring_points, warp_crop

_ANCHORS = np.array([1, 2, 4, 5, 98, 327, 205, 425, 50, 280, 36, 266])
#: how far each `JAW` point follows the exemplar's jaw rather than the source's: sin along the
#: oval, 0 at the cheeks level with the nose (the jaw hinges near there), 1 at the chin. A jaw
#: opening turns about its hinge, so a point moves in proportion to its distance from it: that
#: grows about linearly along the outline and levels off round the chin, as sin does (sin^2,
#: used first, held the jaw's angle near the source's and c's opening spread on TTS pt read
#: x0.604 against x0.611 with sin; issue 18 item 4 report)
JAW_FOLLOW = np.sin(np.linspace(0.0, np.pi, len(JAW)))


def target_shapes(mouth: MouthTrack, analysis: PresenterAnalysis) -> np.ndarray:
    """Mouth track (relative units) in the presenter's own units (share of face size)."""
    shapes = analysis.shape[analysis.has_face]
    rest = analysis.rest_shape()
    lo, hi = np.percentile(shapes, [5, 98], axis=0)
    out = np.empty_like(mouth.shape)
    out[:, 0] = rest[0] + mouth.shape[:, 0] * (hi[0] - rest[0])
    out[:, 1] = rest[1] + mouth.shape[:, 1] * 0.5 * (hi[1] - lo[1])
    out[:, 2] = rest[2] + mouth.shape[:, 2] * (hi[2] - rest[2])
    return out


class ExemplarRenderer:
    name: ClassVar[str] = "exemplar"

    def __init__(self, *, device: str = "cpu", window: int = 64, commit: int = 32, opening_weight: float = 8.0,
                 pose_weight: float = 1.0, mask_margin: float = 0.1, mask_below: float = 0.25,
                 max_lip_adjust: float = 0.08, follow_jaw: bool = True):
        self.window, self.commit = window, commit
        # The opening is what a viewer (and a lip reader) follows: it outweighs width and
        # rounding, and the choice holds it closely (the lip warp only fine-tunes).
        self.opening_weight = opening_weight
        self.pose_weight = pose_weight
        self.mask_margin = mask_margin
        # Below the chin the blend reaches this far (x face size) past the lower of the two
        # chins: the room in the render box (`lipsync.crops.CHIN_ROOM`) is sized for it.
        self.mask_below = mask_below
        # On by default (issue 18 item 4): presenter c's follow figure within 1.06-1.10x of a
        # and b's mean (1.10-1.46x off). Its upper face once read 0.30 dB under a straight
        # re-encode: not a pixel leak but x264 coding more frames B (-1.2 dB each) where the
        # re-encode codes P; the judge and the test now encode the reference with the
        # render's frame types (`pipeline.evaluate.sync.picture_types`).
        if not isinstance(follow_jaw, bool):  # a string "False" would read as true
            raise RenderError(f"follow_jaw must be true or false, not {follow_jaw!r}")
        self.follow_jaw = follow_jaw
        self.max_lip_adjust = max_lip_adjust

    # ---------------------------------------------------------------- choice

    def choices(self, job: RenderJob) -> Iterator[int]:
        """Library entry for each output frame (sliding-window Viterbi)."""
        a = job.analysis
        lib = a.exemplars
        if len(lib) == 0:
            raise RenderError(f"{job.presenter}: its analysis holds no exemplar mouths; use --renderer warp")
        target = target_shapes(job.mouth, a)
        shapes = a.shape[a.has_face]
        lo, hi = np.percentile(shapes, [5, 95], axis=0)
        spread = np.maximum(hi - lo, [0.02, 0.02, 0.05])
        weights = np.array([self.opening_weight, 0.6, 0.6])
        ex_shape = np.asarray(lib.shape, np.float64)
        ex_pose = np.nan_to_num(np.asarray(lib.pose, np.float64))
        closed_limit = float(a.rest_shape()[0] + 0.15 * (hi[0] - lo[0]))
        pose_scale = np.array([6.0, 5.0])
        consecutive = np.diff(lib.frames) <= max(1, int(np.median(np.diff(lib.frames))) if len(lib) > 1 else 1)
        src_pose = a.pose
        closed = job.mouth.closed

        def unary(start: int, end: int) -> np.ndarray:
            t = target[start:end].astype(np.float64)
            d = (t[:, None, :] - ex_shape[None]) / spread
            cost = (d ** 2 * weights).sum(-1)
            src = job.source_indices[start:end]
            pose = np.nan_to_num(np.asarray(src_pose[src], np.float64))
            has = a.has_face[src]
            dp = (pose[:, None, :2] - ex_pose[None, :, :2]) / pose_scale
            cost += self.pose_weight * (dp ** 2).sum(-1)
            c = closed[start:end]
            if c.any():
                cost[c] += 20.0 * np.maximum(ex_shape[None, :, 0] - closed_limit, 0) / spread[0]
            cost[~has] = 0.0
            return cost

        return sliding_viterbi(job.n_frames, unary, consecutive, window=self.window, commit=self.commit)

    # ---------------------------------------------------------------- frames

    def render(self, job: RenderJob, frames: Iterable[FrameInput]) -> Iterator[np.ndarray | None]:
        """The changed lower-face crop per frame (None without a face); see `Renderer`."""
        lib = job.analysis.exemplars
        target = target_shapes(job.mouth, job.analysis)
        chosen = self.choices(job)
        for f in frames:
            k = next(chosen)
            if f.crop is None:
                yield None
                continue
            yield self.render_frame(f.crop, f.crop_landmarks, lib, k, float(target[f.index, 0]),
                                    bool(job.mouth.closed[f.index]))

    def render_frame(self, image: np.ndarray, points: np.ndarray, lib: ExemplarLibrary, k: int,
                     target_opening: float, closed: bool) -> np.ndarray:
        """`image` (a frame or a crop of one, RGB uint8) with library mouth `k` blended in;
        `points` are the landmarks in `image`'s pixels. Returns `image` itself when the face
        is too small to change."""
        h, w = image.shape[:2]
        s = face_scale(points)
        x0, y0, x1, y1 = polygon_box(lower_face_polygon(points, self.mask_margin), w, h)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return image
        to_frame = similarity(lib.template, points[STABLE])
        ex = apply_affine(to_frame, np.asarray(lib.landmarks[k]))
        # Lips to the exact target opening (small corrections only: the choice did the rest).
        want = target_opening * s
        have = inner_opening_px(ex)
        want = float(np.clip(want, have - self.max_lip_adjust * s, have + self.max_lip_adjust * s))
        lips = reshape_mouth(ex, want, 0.0, 0.0, close=closed and have < 0.04 * s)
        ctrl_lips = np.concatenate([LIP_POINTS, UNDER_LIP])
        if self.follow_jaw:
            # The jaw carries the lower lip: where the lips are fine-tuned to the target
            # opening, the chin moves by the lower lip's shift (opening wider drops it, closing
            # lifts it), so chin and lips agree (a chin held at the exemplar's under a lower lip
            # moved down reads as a smaller opening: issue 18 item 4 report).
            drop = lips[LOWER_INNER_MID] - ex[LOWER_INNER_MID]
            jaw = (1.0 - JAW_FOLLOW[:, None]) * points[JAW] + JAW_FOLLOW[:, None] * (ex[JAW] + drop)
            polygon = self.mask_polygon(points, jaw, w, h)
        else:  # the source's jaw, blended inside its jaw line
            jaw, polygon = points[JAW], lower_face_polygon(points, self.mask_margin)
        box = polygon_box(polygon, w, h)
        ring = ring_points(box)
        src = np.vstack([ex[ctrl_lips], ex[JAW], ex[_ANCHORS], ring])
        dst = np.vstack([lips[ctrl_lips], jaw, points[_ANCHORS], ring])
        map_x, map_y = mesh_maps(src, dst, box, post=invert_affine(to_frame), simplices=fold_free_simplices(src, dst))
        patch = warp_crop(np.asarray(lib.patches[k]), map_x, map_y)
        x0, y0, x1, y1 = box
        mask = feathered_mask(polygon, box, feather=0.12 * s)
        mouth = mouth_polygon_mask(points, box, LIPS_OUTER, grow=0.05 * s) | mouth_polygon_mask(lips, box, LIPS_OUTER, grow=0.05 * s)
        patch = match_colour(patch, image[y0:y1, x0:x1], mask, exclude=mouth)
        return blend(image, patch, mask, box)

    def mask_polygon(self, points: np.ndarray, jaw: np.ndarray, width: int, height: int) -> np.ndarray:
        """Where the exemplar is blended in (`jaw_following_polygon`), cut 2 px inside the
        `width` x `height` image so that the feather, which lies inside the polygon, also
        fades out before the image's edge (a cut mask would leave a hard seam there)."""
        poly = jaw_following_polygon(points, jaw, JAW_FOLLOW, self.mask_margin, self.mask_below)
        return np.clip(poly, (2.0, 2.0), (width - 3.0, height - 3.0))
