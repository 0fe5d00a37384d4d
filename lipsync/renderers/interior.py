"""A photographic mouth interior for the warp renderer (pure, on arrays).

Where the photo shows teeth, they are taken from it: the source's upper teeth are mapped into
the new opening hanging from the moved upper lip, its lower teeth standing on the moved lower
lip (so upper teeth move with the upper lip, lower teeth with the jaw), each column of the
mouth mapped on its own (a mesh whose rows follow the lip curves); both darken towards their
translucent biting edges, and the lower row stays in the upper lip's shadow and shows only
its front teeth; where the rows overlap (a narrow opening such as /f/ /v/'s, the lower lip
against the upper teeth) the upper row is in front. Where it shows none, the interior is
built: a cavity with depth (its wet rim lit, the throat darkest at the centre), an upper and a
lower row of teeth with per-tooth brightness and gaps, a tongue, all with a fixed grain that
moves with the mouth (so it does not flicker). Rounded vowels hide the teeth (`teeth_shown`)
and the lips that meet beside a pout's hole are painted as lip (`shaping.paint_pursed_sides`).
The interior is blended in with an alpha feathered across the inner-lip contour, a few pixels
scaled to the mouth width, so the lip edge is soft as in a photo.

The shading figures (cavity and tongue brightness, tooth gaps, row heights) are tuned by eye on
the README stills and against the judge's texture measure (`bench/bench_mouth_texture.py`:
gradient and chroma spread within 0.7-1.3x of real open mouths; the judge's chroma figure on
encoded renders is sensitive, as libx264 flattens a moving mouth's chroma 2-3x in some
frames), not taken from a source.

Coordinates: `points` are the 478 MediaPipe landmarks in the image's pixels (float, 478 x 2).
Positions along the mouth are in half mouth widths (-1 left corner, 1 right corner); depths in
pixels along the face's downward axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from lipsync.composite import per_channel, tint
from lipsync.landmarks import LIPS_INNER, face_scale
from lipsync.renderers.shaping import (LOWER_INNER_LIP, UPPER_INNER_LIP, inner_opening_px, mouth_axes,
                                      paint_pursed_sides)

#: Feather of the interior's edge: Gaussian sigma as a share of the mouth width (corner to
#: corner), at least `MIN_FEATHER_PX`. 0.012 of a 100 px mouth is 1.2 px, a fade of about 3 px:
#: the blur of a lip edge in a 480-1080 px portrait photo.
FEATHER_SHARE = 0.02
MIN_FEATHER_PX = 0.7
#: Width of the fade at a row of teeth's biting edge, share of the mouth width: incisal edges
#: are translucent and shaded, never a hard line against the cavity.
EDGE_SHARE = 0.05
#: Biting edges: the last (1 - BITE_START) of a row of teeth darkens by up to BITE_SHADE
#: (enamel thins to translucent there; tuned by eye on the README stills, where an evenly
#: bright row ending in a hard line against the dark read as painted).
BITE_START = 0.5
BITE_SHADE = 0.45
#: Teeth across the visible arch (front incisors to the first molars, each side): 6 + 6 per row.
TEETH_PER_SIDE = 6
#: The photo's teeth: inner-mouth pixels brighter than this (0-255, max of R, G, B) and less
#: saturated than `TEETH_MAX_SATURATION` (HSV S, 0-1); enamel is bright and nearly grey, lips,
#: gums and tongue are red, the cavity dark.
TEETH_MIN_VALUE = 120.0
TEETH_MAX_SATURATION = 0.38
#: Share of the photo's inner opening that its upper teeth may occupy (the rest is lower teeth).
UPPER_SHARE = 0.65
#: Where each row of teeth (upper, lower) ends, in half mouth widths from the centre; the lower
#: row shows only its front teeth (tuned by eye on the README stills: a full-width lower row
#: read as a white line).
ROW_END = (0.9, 0.7)
#: Brightness of built teeth, share of `teeth_colour` (or the off-white): the upper row under
#: the upper lip's shadow, the lower row in the shadow of both (tuned by eye on the stills).
UPPER_TEETH_DIM = 0.88
LOWER_TEETH_DIM = 0.62
#: The same for the photo's own teeth, which carry some of that shadow already.
PHOTO_UPPER_TEETH_DIM = 1.0
PHOTO_LOWER_TEETH_DIM = 0.72
#: How fast rounding hides the teeth (`teeth_shown`), tuned by eye on the README stills.
TEETH_HIDE = 1.1
#: Grain of the built interior: noise texture size (rows = depth, columns = along the mouth).
GRAIN_SHAPE = (48, 192)


@dataclass(frozen=True)
class Grain:
    """Fixed noise for the built interior: `fine` (pixel grain) and `coarse` (blotches), float32
    GRAIN_SHAPE arrays of zero mean and unit spread, `tooth` (one brightness offset per
    tooth, 2 rows x 2 * TEETH_PER_SIDE, unit spread) and `both` (fine, coarse stacked)."""

    fine: np.ndarray
    coarse: np.ndarray
    tooth: np.ndarray
    #: `fine` and `coarse` as the two channels of one array, so one lookup samples both
    both: np.ndarray

    @staticmethod
    def make(seed: int = 18) -> Grain:
        rng = np.random.default_rng(seed)
        fine = cv2.GaussianBlur(rng.standard_normal(GRAIN_SHAPE).astype(np.float32), (0, 0), 0.8)
        coarse = cv2.GaussianBlur(rng.standard_normal(GRAIN_SHAPE).astype(np.float32), (0, 0), 4.0)
        norm = [a / max(float(a.std()), 1e-6) for a in (fine, coarse)]
        return Grain(norm[0], norm[1], rng.standard_normal((2, 2 * TEETH_PER_SIDE)).astype(np.float32),
                     np.ascontiguousarray(np.dstack(norm)))


#: The inner lip lines, each from corner to corner (MediaPipe indices).
_LIP_LINES = tuple(np.concatenate([[78], idx, [308]]) for idx in (UPPER_INNER_LIP, LOWER_INNER_LIP))


@dataclass(frozen=True)
class _Geometry:
    """A mouth's frame: centre, unit axes u (along) and v (down), half width (px), and the
    inner lips as depth-below-centre curves over the position along the mouth."""

    centre: np.ndarray
    u: np.ndarray
    v: np.ndarray
    half: float
    upper_a: np.ndarray
    upper_d: np.ndarray
    lower_a: np.ndarray
    lower_d: np.ndarray

    @staticmethod
    def of(points: np.ndarray) -> _Geometry:
        centre, u, v, half = mouth_axes(points)
        curves = []
        for idx in _LIP_LINES:
            p = points[idx].astype(np.float64) - centre
            a, d = p @ u / max(half, 1e-6), p @ v
            order = np.argsort(a)
            curves += [a[order], d[order]]
        return _Geometry(centre, u, v, half, *curves)

    def upper(self, along: np.ndarray) -> np.ndarray:
        return np.interp(along, self.upper_a, self.upper_d)

    def lower(self, along: np.ndarray) -> np.ndarray:
        return np.interp(along, self.lower_a, self.lower_d)

    def to_image(self, along: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Image coordinates (x, y) of positions along the mouth and depths below its centre."""
        c, hu, v = self.centre.astype(np.float32), (self.half * self.u).astype(np.float32), self.v.astype(np.float32)
        return c[0] + along * hu[0] + depth * v[0], c[1] + along * hu[1] + depth * v[1]


def teeth_alpha(image: np.ndarray, points: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray | None:
    """Float32 map over `box` (x0, y0, x1, y1 of `image`): 0-1, how surely each pixel inside
    the inner-lip contour of `points` is tooth enamel (bright, nearly grey; soft thresholds
    `TEETH_MIN_VALUE`, `TEETH_MAX_SATURATION`). None when fewer than 12 pixels look like teeth."""
    x0, y0, x1, y1 = box
    region = np.ascontiguousarray(image[y0:y1, x0:x1], np.float32)
    inside = np.zeros(region.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(points[LIPS_INNER] - (x0, y0)).astype(np.int32)], 1)
    # HSV's V is max(R, G, B) and its S (V - min) / V, the two measures wanted, in one call
    hsv = cv2.cvtColor(region, cv2.COLOR_RGB2HSV)
    value, saturation = hsv[..., 2], hsv[..., 1]
    alpha = ((value - TEETH_MIN_VALUE) / 30.0).clip(0, 1) * ((TEETH_MAX_SATURATION - saturation) / 0.1).clip(0, 1)
    alpha *= inside
    if float((alpha > 0.5).sum()) < 12:
        return None
    # Single bright or dark pixels (a glint, a gap) do not make or break a tooth.
    return cv2.GaussianBlur(alpha.astype(np.float32), (0, 0), 0.7) * inside


def _arch(along: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each position `along` the mouth falls on the arch of teeth: (brightness factor of
    the gaps between teeth, tooth index 0..2 x TEETH_PER_SIDE - 1). Teeth sit on an arch, so
    seen from the front they narrow towards the corners: the tooth coordinate follows arcsin."""
    theta = np.arcsin((along / 0.98).clip(-1, 1)) / (np.pi / 2)  # -1..1 round the arch
    k = theta * TEETH_PER_SIDE  # tooth coordinate; incisors meet at 0
    whole = np.floor(k)
    frac = k - whole
    index = (whole.astype(int) + TEETH_PER_SIDE).clip(0, 2 * TEETH_PER_SIDE - 1)
    return 1.0 - 0.22 * np.exp(-(np.minimum(frac, 1 - frac) / 0.06) ** 2), index


def _tooth_pattern(arch: tuple[np.ndarray, np.ndarray], depth: np.ndarray, height: float | np.ndarray, row: int,
                   grain: Grain) -> np.ndarray:
    """Brightness factor of one row of teeth (row 0 upper, 1 lower) on the `_arch` at depths
    `depth` (px into the row from its gum line): darker gaps between teeth, a shaded,
    translucent biting edge (`biting_edge`), one offset per tooth."""
    gaps, index = arch
    return gaps * biting_edge(depth, height) * (1.0 + 0.06 * grain.tooth[row][index])


def biting_edge(depth: np.ndarray, height: float | np.ndarray) -> np.ndarray:
    """Brightness factor of a row of teeth `depth` px in from its gum line, `height` px tall:
    1 over the first `BITE_START` of the row, then darkening smoothly to 1 - `BITE_SHADE` at the
    biting edge, which is translucent and lets the dark behind show through."""
    tip = ((depth / np.maximum(height, 1.0) - BITE_START) / (1.0 - BITE_START)).clip(0, 1)
    return 1.0 - BITE_SHADE * tip * tip * (3 - 2 * tip)


def _sample(grain: np.ndarray, along: np.ndarray, rel_depth: np.ndarray) -> np.ndarray:
    """A grain texture (rows x cols, or x channels) at positions along the mouth (-1..1) and
    relative depths (0..1)."""
    rows, cols = grain.shape[:2]
    mx = ((along + 1.0) / 2.0 * (cols - 1)).astype(np.float32, copy=False)
    my = (rel_depth.clip(0, 1) * (rows - 1)).astype(np.float32, copy=False)
    return cv2.remap(grain, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def built_interior(along: np.ndarray, du: np.ndarray, dl: np.ndarray, opening: float, s: float, half: float,
                   lip: np.ndarray, rounding: float, teeth_colour: np.ndarray | None, grain: Grain,
                   teeth: bool = True) -> np.ndarray:
    """RGB float32 (the shape of `along` x 3) of a built mouth interior: `du` px below the upper
    inner lip, `dl` px above the lower one, `opening` the centre's gap, `s` the face size and
    `half` the half mouth width (px).
    `teeth=False` leaves the rows of teeth out (the photo's own go there)."""
    gap = np.maximum(du + dl, 1.0)
    rel = (du / gap).clip(0, 1)
    lip_mean = lip.mean()  # once: numpy's mean of three numbers costs more than the arithmetic
    light = float(min(max(lip_mean / 130.0, 0.5), 1.0))
    # Cavity: a warm shadow with depth: the wet inner lips lit just inside the edge, the cheeks'
    # insides dim at the sides, the throat darkest at the centre under the upper teeth' shadow.
    side = np.abs(along)
    edge_light = np.exp(-np.minimum(du, dl) / max(0.15 * opening, 1.0))
    throat = np.exp(-(along / 0.45) ** 2 - ((rel - 0.45) / 0.3) ** 2)
    shade = 0.4 + 0.16 * edge_light + 0.06 * side - 0.16 * throat
    both = _sample(grain.both, along, rel)
    fine, coarse = both[..., 0], both[..., 1]
    # (one product per pixel first, then one per channel: the channel products cost three times)
    cavity = tint(shade * (1.0 + 0.1 * coarse + 0.06 * fine), 0.3 * lip + 0.7 * lip_mean)
    # Tongue: the lower part of a wide-open mouth, a muted lip colour with a moist grain, its
    # back edge a mound (higher at the sides), lit at its top and darker behind.
    colour = cavity
    shown = float(min(max((opening - 0.08 * s) / (0.08 * s), 0.0), 1.0))  # how far the mouth is open
    if shown > 0:  # a narrower mouth shows no tongue: skip the work
        back = 0.5 - 0.1 * side
        tongue_w = ((rel - back) / 0.12).clip(0, 1) * shown
        tongue_shade = (0.52 + 0.2 * np.exp(-((rel - back - 0.1) / 0.12) ** 2)) * (1 - 0.3 * side * side)
        tongue = tint(tongue_shade * (1 + 0.07 * coarse + 0.06 * fine),
                      (0.5 * lip + 0.5 * lip_mean) * np.array([1.0, 0.88, 0.88], np.float32))
        colour = cavity + (tongue - cavity) * per_channel(tongue_w)
    off_white = np.array([213, 208, 197], np.float32) * light
    base = np.asarray(teeth_colour, np.float32) if teeth_colour is not None else off_white
    hide = teeth_shown(rounding)
    arch = None
    for row, (depth, height, dim) in enumerate(((du, min(0.32 * opening, 0.09 * s) * hide, UPPER_TEETH_DIM),
                                                (dl, min(0.13 * opening, 0.045 * s) * hide, LOWER_TEETH_DIM))):
        if height < 1.0 or not teeth:
            continue
        arch = _arch(along) if arch is None else arch
        fade = max(1.0, min(EDGE_SHARE * 2 * half, 0.5 * height) if row else EDGE_SHARE * 2 * half)
        w = ((height - depth) / fade + 0.5).clip(0, 1)
        # The rows end before the corners; the lower one sooner (the lower lip covers its sides).
        w *= ((ROW_END[row] - side) / 0.1).clip(0, 1)
        corner = 1.0 - 0.6 * side * side  # the arch turns into shadow
        enamel = tint(dim * corner * _tooth_pattern(arch, depth, height, row, grain) * (1 + 0.035 * fine), base)
        colour += (enamel - colour) * per_channel(w)
    return colour


def teeth_shown(rounding: float) -> float:
    """Share of a row of teeth's height that rounded lips leave in sight (rounding 0..1): all of
    it unrounded, none from 0.9 (a pout's lips cover the teeth; an /o/ shows their edges)."""
    return float(min(max(1.0 - TEETH_HIDE * rounding, 0.0), 1.0))


def feather_sigma(points: np.ndarray) -> float:
    """The inner-lip edge's feather (Gaussian sigma, px) for a mouth: `FEATHER_SHARE` of its
    width corner to corner, at least `MIN_FEATHER_PX`."""
    return max(MIN_FEATHER_PX, FEATHER_SHARE * 2 * mouth_axes(points)[3])


def inner_lip_alpha(inner: np.ndarray, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Float32 alpha (`shape`) of the inside of the inner-lip contour `inner` (N x 2, pixels),
    its edge blurred by a Gaussian of `sigma` px: half at the contour, fading over ~2.5 sigma
    either side."""
    mask8 = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask8, [np.round(inner * 8).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=3)
    return cv2.GaussianBlur(mask8.astype(np.float32) / 255.0, (0, 0), sigma)


def paint_textured_interior(crop: np.ndarray, points_local: np.ndarray, lip_colour: np.ndarray, grain: Grain,
                            rounding: float = 0.0, teeth_colour: np.ndarray | None = None,
                            source: np.ndarray | None = None, source_points: np.ndarray | None = None) -> np.ndarray:
    """Paint a mouth interior into the float32 crop (H x W x 3, RGB 0-255) inside the inner-lip
    contour of `points_local` (landmarks in crop pixels), in place; returns `crop`.

    `source`/`source_points`: the unmoved image (uint8 or float32, same pixel frame as the crop)
    and its landmarks. Where it shows teeth (`teeth_alpha`), they are mapped in from it; the
    rest is `built_interior`. `teeth_colour` (RGB) tints built teeth; default an off-white as
    bright as the lips' lighting."""
    h, w = crop.shape[:2]
    inner = points_local[LIPS_INNER]
    opening = inner_opening_px(points_local)
    if rounding > 0:
        paint_pursed_sides(crop, points_local, lip_colour, rounding)
    if opening < 1.0:
        return crop
    s = face_scale(points_local)
    geo = _Geometry.of(points_local)
    sigma = max(MIN_FEATHER_PX, FEATHER_SHARE * 2 * geo.half)  # `feather_sigma`, axes reused
    pad = int(np.ceil(3 * sigma)) + 1
    x0, y0 = np.maximum(np.floor(inner.min(0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(inner.max(0)).astype(int) + pad + 1, (w, h))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return crop
    alpha = inner_lip_alpha(inner - (x0, y0), (y1 - y0, x1 - x0), sigma)
    if not alpha.any():
        return crop
    # float32 throughout (a thousandth of a pixel is no error here, and it is faster than float64);
    # a row and a column of coordinates, broadcast (the same sums as a full grid, fewer passes)
    rel_x = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(geo.centre[0])
    rel_y = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(geo.centre[1])
    along = ((rel_x * np.float32(geo.u[0]) + rel_y * np.float32(geo.u[1])) / np.float32(max(geo.half, 1e-6))).clip(
        -1.0, 1.0)
    down = rel_x * np.float32(geo.v[0]) + rel_y * np.float32(geo.v[1])
    upper, lower = geo.upper(along).astype(np.float32), geo.lower(along).astype(np.float32)
    du = np.maximum(down - upper, 0.0)
    dl = np.maximum(lower - down, 0.0)
    lip = np.asarray(lip_colour, np.float32)
    seen = _photo_teeth(source, source_points) if source is not None and source_points is not None else None
    colour = built_interior(along, du, dl, opening, s, geo.half, lip, rounding, teeth_colour, grain,
                            teeth=seen is None).astype(np.float32, copy=False)
    # A lens's blur: a built edge is no sharper than the photo's own (half the feather's sigma);
    # the photo's teeth carry their own.
    colour = cv2.GaussianBlur(colour, (0, 0), max(0.5, sigma / 2))
    if seen is not None:
        colour = _with_photo_teeth(colour, source, source_points, seen, along, du, dl, rounding)
    region = crop[y0:y1, x0:x1]
    # Where the lips meet (a pout's sides) the contour has no inside, only its anti-aliased edge.
    alpha *= ((lower - upper) / 2.0).clip(0, 1)
    region += (colour - region) * per_channel(alpha)
    return crop


def _photo_teeth(source: np.ndarray, source_points: np.ndarray) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """(box round the source's inner lips, `teeth_alpha` over it), or None when it shows no teeth."""
    h, w = source.shape[:2]
    inner = source_points[LIPS_INNER]
    bx0, by0 = np.maximum(np.floor(inner.min(0)).astype(int) - 1, 0)
    bx1, by1 = np.minimum(np.ceil(inner.max(0)).astype(int) + 2, (w, h))
    if bx1 - bx0 < 3 or by1 - by0 < 3:
        return None
    box = (int(bx0), int(by0), int(bx1), int(by1))
    alpha = teeth_alpha(source, source_points, box)
    return None if alpha is None else (box, alpha)


def _with_photo_teeth(colour: np.ndarray, source: np.ndarray, source_points: np.ndarray,
                      seen: tuple[tuple[int, int, int, int], np.ndarray], along: np.ndarray,
                      du: np.ndarray, dl: np.ndarray, rounding: float) -> np.ndarray:
    """`colour` with the source's own teeth (`seen`: `_photo_teeth`) laid over it: a pixel `du`
    below the moved upper lip reads the source `du` below its own upper lip (same position along
    the mouth); one `dl` above the moved lower lip reads the source `dl` above its lower lip.
    Where the two rows overlap, the upper one is in front."""
    src = _Geometry.of(source_points)
    (bx0, by0, bx1, by1), alpha = seen
    curves = (src.upper(along).astype(np.float32), src.lower(along).astype(np.float32))
    gap = np.maximum(curves[1] - curves[0], 0.0)
    edge = max(1.0, EDGE_SHARE * 2 * src.half)  # the biting edges fade into the dark
    hide = teeth_shown(rounding)
    side = np.abs(along)  # (once for both rows)
    picture = source[by0:by1, bx0:bx1].astype(np.float32)
    # The lower row first, the upper over it: where the rows overlap (an opening smaller than the
    # photo's, down to /f/ /v/'s slit, where the lower lip meets the upper teeth) the upper
    # incisors stand in front, as in a normal overbite. Laid the other way, the lower row, dimmed
    # and shaded to its biting edge, covered a labiodental's whole slit as a grey line.
    rows = ((du, UPPER_SHARE, 1.0, PHOTO_UPPER_TEETH_DIM), (dl, 1 - UPPER_SHARE, -1.0, PHOTO_LOWER_TEETH_DIM))
    for row, (depth, share, sign, dim) in ((1, rows[1]), (0, rows[0])):
        band = (share * hide) * gap
        if not (band > 1.0).any():  # no row a pixel tall anywhere: nothing to lay
            continue
        # Upper edges fade into the shadow behind them; the short lower row keeps a solid middle.
        fade = np.maximum(1.0, np.minimum(edge, 0.5 * band)) if row else edge
        valid = ((band - depth) / fade + 0.5).clip(0, 1) * (band - 1.0).clip(0, 1)  # area kept;
        valid *= ((ROW_END[row] - side) / 0.1).clip(0, 1)  # a row under a pixel tall
        valid = valid.astype(np.float32, copy=False)  # would show as broken specks
        mx, my = src.to_image(along, curves[row] + sign * depth)
        mx, my = mx - bx0, my - by0
        texture = cv2.remap(picture, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        texture *= per_channel(dim * biting_edge(depth, band))  # the lower row in shadow
        a = cv2.remap(alpha, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0) * valid
        colour += (texture - colour) * per_channel(a)
    return colour
