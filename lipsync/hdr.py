"""HDR (PQ / HDR10 and HLG, BT.2020) to SDR BT.709, one frame at a time, in numpy.

The pinned FFmpeg has neither zscale nor libplacebo, so the conversion is done here:
Y'CbCr -> R'G'B' with the BT.2020 non-constant-luminance matrix (swscale, 16-bit), the PQ
EOTF (SMPTE ST 2084) or the HLG inverse OETF + OOTF (ITU-R BT.2100), a named tone-mapping
operator, the BT.2020 -> BT.709 primaries conversion (ITU-R BT.2087) and the inverse of the
SDR display's EOTF (ITU-R BT.1886, gamma 2.4), as the tone-mapped light is display light.
Curves are applied through lookup tables.

Luminance levels: SDR reference white is placed at 203 cd/m2 (ITU-R BT.2408), which becomes
SDR peak (code 255); an HDR source's peak comes from its MaxCLL or mastering-display metadata,
else 1000 cd/m2 (the BT.2100 HLG nominal peak and the common HDR10 grade).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import av
import numpy as np

from lipsync.colour import ColourTags

# SMPTE ST 2084 constants.
PQ_M1 = 2610 / 16384
PQ_M2 = 2523 / 4096 * 128
PQ_C1 = 3424 / 4096
PQ_C2 = 2413 / 4096 * 32
PQ_C3 = 2392 / 4096 * 32
PQ_PEAK = 10000.0
# ITU-R BT.2100 HLG constants.
HLG_A = 0.17883277
HLG_B = 1 - 4 * HLG_A
HLG_C = 0.5 - HLG_A * np.log(4 * HLG_A)
HLG_PEAK = 1000.0
HLG_GAMMA = 1.2  # system gamma for a 1000 cd/m2 display (BT.2100 note 5f)

SDR_WHITE_NITS = 203.0
#: the SDR reference display's EOTF exponent (ITU-R BT.1886)
BT1886_GAMMA = 2.4
DEFAULT_HDR_PEAK = 1000.0
#: ITU-R BT.2020 luminance weights
BT2020_LUMA = np.array([0.2627, 0.6780, 0.0593], np.float32)
#: linear BT.2020 RGB -> linear BT.709 RGB (ITU-R BT.2087-0, equation 4 matrix)
BT2020_TO_BT709 = np.array([[1.6605, -0.5876, -0.0728],
                            [-0.1246, 1.1329, -0.0083],
                            [-0.0182, -0.1006, 1.1187]], np.float32)
_LUT_SIZE = 65536


def pq_eotf(signal: np.ndarray) -> np.ndarray:
    """PQ signal in [0, 1] -> display luminance in cd/m2 (SMPTE ST 2084)."""
    e = np.power(np.clip(signal, 0.0, 1.0), 1.0 / PQ_M2)
    return PQ_PEAK * np.power(np.maximum(e - PQ_C1, 0.0) / (PQ_C2 - PQ_C3 * e), 1.0 / PQ_M1)


def pq_inverse_eotf(nits: np.ndarray) -> np.ndarray:
    """Display luminance in cd/m2 -> PQ signal in [0, 1] (SMPTE ST 2084)."""
    y = np.power(np.clip(np.asarray(nits, np.float64) / PQ_PEAK, 0.0, 1.0), PQ_M1)
    return np.power((PQ_C1 + PQ_C2 * y) / (1 + PQ_C3 * y), PQ_M2)


def hlg_inverse_oetf(signal: np.ndarray) -> np.ndarray:
    """HLG signal in [0, 1] -> normalised scene light in [0, 1] (ITU-R BT.2100)."""
    e = np.clip(np.asarray(signal, np.float64), 0.0, 1.0)
    low = e * e / 3.0
    high = (np.exp((e - HLG_C) / HLG_A) + HLG_B) / 12.0
    return np.where(e <= 0.5, low, high)


def hlg_oetf(scene: np.ndarray) -> np.ndarray:
    """Normalised scene light in [0, 1] -> HLG signal (ITU-R BT.2100)."""
    e = np.clip(np.asarray(scene, np.float64), 0.0, 1.0)
    return np.where(e <= 1 / 12, np.sqrt(3 * e), HLG_A * np.log(np.maximum(12 * e - HLG_B, 1e-12)) + HLG_C)


def bt1886_inverse_eotf(light: np.ndarray) -> np.ndarray:
    """Display light relative to SDR peak in [0, 1] -> SDR signal in [0, 1]: the inverse of the
    reference display's EOTF, L = V^2.4 with zero black (ITU-R BT.1886, Annex 1). Tone-mapped
    light is display-referred, so it is encoded for the display that will show it; the BT.709
    camera OETF would darken mid-tones (mid-grey 128 came back as 108)."""
    return np.power(np.clip(np.asarray(light, np.float64), 0.0, 1.0), 1 / BT1886_GAMMA)


def bt1886_eotf(signal: np.ndarray) -> np.ndarray:
    """SDR signal in [0, 1] -> display light relative to SDR peak (ITU-R BT.1886, zero black)."""
    return np.power(np.clip(np.asarray(signal, np.float64), 0.0, 1.0), BT1886_GAMMA)


def bt2390_eetf(nits: np.ndarray, source_peak: float, target_peak: float) -> np.ndarray:
    """ITU-R BT.2390-10 section 5.4.1 EETF (black level 0): display luminance (cd/m2) of a
    source mastered to `source_peak` -> luminance for a display of `target_peak`, the curve
    a Hermite spline above the knee at 1.5 * maxLum - 0.5 (PQ domain)."""
    if source_peak <= target_peak:
        return np.minimum(nits, target_peak)
    src_pq = pq_inverse_eotf(source_peak)
    e1 = pq_inverse_eotf(nits) / src_pq
    max_lum = pq_inverse_eotf(target_peak) / src_pq
    ks = 1.5 * max_lum - 0.5
    t = np.clip((e1 - ks) / (1 - ks), 0.0, 1.0)
    spline = ((2 * t ** 3 - 3 * t ** 2 + 1) * ks + (t ** 3 - 2 * t ** 2 + t) * (1 - ks)
              + (-2 * t ** 3 + 3 * t ** 2) * max_lum)
    e2 = np.where(e1 < ks, e1, spline)
    return pq_eotf(np.clip(e2, 0.0, 1.0) * src_pq)


OPERATORS = {"bt2390": bt2390_eetf}


def content_peak(frame: av.VideoFrame, transfer: str) -> float:
    """The source's peak luminance (cd/m2): MaxCLL, else the mastering display's maximum,
    else 1000 (HLG: always its nominal 1000)."""
    if transfer == "hlg":
        return HLG_PEAK
    for kind, parse in (("CONTENT_LIGHT_LEVEL", _max_cll), ("MASTERING_DISPLAY_METADATA", _mastering_max)):
        try:
            data = frame.side_data.get(kind)
        except (KeyError, ValueError, AttributeError):
            data = None
        peak = parse(bytes(data)) if data is not None else 0.0
        if peak > SDR_WHITE_NITS:
            return min(peak, PQ_PEAK)
    return DEFAULT_HDR_PEAK


def _max_cll(raw: bytes) -> float:
    return float(struct.unpack("=I", raw[:4])[0]) if len(raw) >= 8 else 0.0


def _mastering_max(raw: bytes) -> float:
    # AVMasteringDisplayMetadata: 8 AVRational (primaries, white point), min, max, has_primaries, has_luminance
    if len(raw) < 88:
        return 0.0
    num, den = struct.unpack("=2i", raw[72:80])
    has_luminance = struct.unpack("=i", raw[84:88])[0]
    return num / den if has_luminance and den > 0 else 0.0


@dataclass(frozen=True)
class ToneMapper:
    """Converts HDR frames of one stream to SDR BT.709 RGB (H, W, 3) uint8."""

    transfer: str
    operator: str
    source_peak: float
    matrix_range: int
    #: 16-bit R'G'B' code -> tone-mapped linear light relative to SDR peak (PQ) or scene light (HLG)
    signal_lut: np.ndarray
    #: HLG only: scene luminance Ys (16-bit code) -> gain taking scene light to tone-mapped
    #: display light relative to SDR peak (the OOTF and the operator, both functions of Ys)
    hlg_gain_lut: np.ndarray
    #: 16-bit display light -> 8-bit SDR signal (inverse BT.1886)
    oetf_lut: np.ndarray

    @classmethod
    def for_frame(cls, frame: av.VideoFrame, tags: ColourTags, operator: str = "bt2390") -> ToneMapper:
        peak = content_peak(frame, tags.hdr)
        tone = OPERATORS[operator]
        codes = np.arange(_LUT_SIZE, dtype=np.float64) / (_LUT_SIZE - 1)
        if tags.hdr == "pq":
            signal = tone(pq_eotf(codes), peak, SDR_WHITE_NITS) / SDR_WHITE_NITS
            gain = np.zeros(1)
        else:
            signal = hlg_inverse_oetf(codes)
            # BT.2100 HLG OOTF: display luminance Yd = Lw * Ys^gamma; the operator maps Yd, and
            # every channel is scaled by the same gain (applied to luminance, so hues hold).
            ys = np.maximum(codes, 1e-7)
            gain = tone(HLG_PEAK * np.power(ys, HLG_GAMMA), peak, SDR_WHITE_NITS) / SDR_WHITE_NITS / ys
        oetf = np.round(bt1886_inverse_eotf(codes) * 255).astype(np.uint8)
        return cls(tags.hdr, operator, peak, tags.range or 1, signal.astype(np.float32),
                   gain.astype(np.float32), oetf)

    def describe(self) -> str:
        name = {"bt2390": "the BT.2390 EETF"}[self.operator]
        return f"{name} (source peak {self.source_peak:.0f} cd/m2, SDR white {SDR_WHITE_NITS:.0f} cd/m2)"

    def __call__(self, frame: av.VideoFrame) -> np.ndarray:
        codes = frame.to_ndarray(format="rgb48le", src_colorspace="BT2020", src_color_range=self.matrix_range)
        linear = self.signal_lut[codes]  # (H, W, 3) float32
        if self.transfer == "hlg":
            linear = self._hlg_display(linear)
        return self.to_sdr(linear)

    def _hlg_display(self, scene: np.ndarray) -> np.ndarray:
        ys = np.clip(scene @ BT2020_LUMA, 0.0, 1.0)
        return scene * self.hlg_gain_lut[np.rint(ys * (_LUT_SIZE - 1)).astype(np.uint16)][..., None]

    def to_sdr(self, linear_bt2020: np.ndarray) -> np.ndarray:
        """Linear BT.2020 light relative to SDR peak (H, W, 3) float -> BT.709 RGB uint8."""
        linear = np.clip(linear_bt2020 @ BT2020_TO_BT709.T, 0.0, 1.0)
        return self.oetf_lut[np.rint(linear * (_LUT_SIZE - 1)).astype(np.uint16)]
