"""Colour tags: what a video says about its primaries, transfer, matrix and range.

Values are FFmpeg's AVColorPrimaries / AVColorTransferCharacteristic / AVColorSpace /
AVColorRange codes (the ITU-T H.273 code points). Every polydub output carries tags: the
source's own when it is SDR and tagged, else BT.709 for HD and larger, BT.601 (SMPTE 170M)
for SD (as players assume for untagged video: wider than 1279 or taller than 576 lines is HD).
"""

from __future__ import annotations

from dataclasses import dataclass

# ITU-T H.273 code points (also FFmpeg's enum values).
PRI_BT709, PRI_UNSPECIFIED, PRI_BT470BG, PRI_SMPTE170M, PRI_BT2020 = 1, 2, 5, 6, 9
TRC_BT709, TRC_UNSPECIFIED, TRC_SMPTE170M, TRC_SMPTE2084, TRC_ARIB_STD_B67 = 1, 2, 6, 16, 18
SPC_RGB, SPC_BT709, SPC_UNSPECIFIED, SPC_BT470BG, SPC_SMPTE170M, SPC_BT2020_NCL = 0, 1, 2, 5, 6, 9
RANGE_UNSPECIFIED, RANGE_MPEG, RANGE_JPEG = 0, 1, 2

_NAMES = {
    "primaries": {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020"},
    "transfer": {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear",
                 13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 18: "arib-std-b67"},
    "matrix": {0: "gbr", 1: "bt709", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020nc", 10: "bt2020c"},
    "range": {1: "tv", 2: "pc"},
}

#: Pictures wider than this or taller than `SD_MAX_HEIGHT` count as HD (BT.709 rather than
#: BT.601): the rule mpv uses to guess the matrix of untagged video (mp_csp_guess_colorspace).
HD_MIN_WIDTH = 1280
SD_MAX_HEIGHT = 576


@dataclass(frozen=True)
class ColourTags:
    """A video's colour description as H.273 code points (2 = unspecified, range 0 = unknown)."""

    primaries: int = PRI_UNSPECIFIED
    transfer: int = TRC_UNSPECIFIED
    matrix: int = SPC_UNSPECIFIED
    range: int = RANGE_UNSPECIFIED

    @property
    def hdr(self) -> str:
        """"pq" (SMPTE ST 2084 / HDR10), "hlg" (ARIB STD-B67) or "" for SDR."""
        return {TRC_SMPTE2084: "pq", TRC_ARIB_STD_B67: "hlg"}.get(self.transfer, "")

    def describe(self) -> str:
        return "/".join(_NAMES[k].get(getattr(self, a), "unknown")
                        for k, a in (("primaries", "primaries"), ("transfer", "transfer"),
                                     ("matrix", "matrix"), ("range", "range")))


BT709 = ColourTags(PRI_BT709, TRC_BT709, SPC_BT709, RANGE_MPEG)
BT601 = ColourTags(PRI_SMPTE170M, TRC_SMPTE170M, SPC_SMPTE170M, RANGE_MPEG)


def is_hd(width: int, height: int) -> bool:
    return width >= HD_MIN_WIDTH or height > SD_MAX_HEIGHT


def default_tags(width: int, height: int) -> ColourTags:
    """BT.709 for HD and larger, BT.601 (SMPTE 170M) for SD."""
    return BT709 if is_hd(width, height) else BT601


def output_tags(width: int, height: int, source: ColourTags | None = None) -> ColourTags:
    """The tags an output of this size carries: the source's own where it is SDR and says
    them (unspecified fields filled from the size default), else `default_tags`."""
    base = default_tags(width, height)
    if source is None or source.hdr or source.matrix in (SPC_RGB, SPC_BT2020_NCL, 10):
        return base
    if source.primaries == PRI_BT2020:  # wide-gamut SDR is converted to BT.709 on decode
        return base
    return ColourTags(
        primaries=source.primaries if source.primaries in _NAMES["primaries"] else base.primaries,
        transfer=source.transfer if source.transfer in _NAMES["transfer"] else base.transfer,
        matrix=source.matrix if source.matrix in (SPC_BT709, SPC_BT470BG, SPC_SMPTE170M) else base.matrix,
        range=RANGE_MPEG,
    )


def swscale_matrix(matrix: int, width: int, height: int) -> str:
    """The swscale colourspace name (PyAV `Colorspace`) for an H.273 matrix code; an
    unspecified matrix is taken as players take it: BT.709 for HD, BT.601 for SD."""
    if matrix == SPC_UNSPECIFIED:
        matrix = SPC_BT709 if is_hd(width, height) else SPC_SMPTE170M
    return {SPC_BT709: "ITU709", SPC_BT470BG: "ITU601", SPC_SMPTE170M: "ITU601", 7: "SMPTE240M",
            4: "FCC", SPC_BT2020_NCL: "BT2020", 10: "BT2020"}.get(matrix, "ITU601")


def frame_tags(frame) -> ColourTags:
    """The colour tags of a decoded PyAV VideoFrame."""
    return ColourTags(int(frame.color_primaries), int(frame.color_trc), int(frame.colorspace), int(frame.color_range))
