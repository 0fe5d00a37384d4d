"""HDR footage (PQ / HDR10 and HLG, BT.2020, 10-bit HEVC) comes out with the colours of its
SDR original, not grey and washed out."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab

from lipsync import colour, hdr, media
from pipeline.demo import astronaut_image, idle_frame
from tests.helpers.media import encode_frames


def _sdr_original(size: int = 160) -> np.ndarray:
    return np.ascontiguousarray(idle_frame(astronaut_image(), 0.0, size))


def _to_hdr_signal(rgb: np.ndarray, transfer: str) -> np.ndarray:
    """SDR BT.709 RGB uint8 -> BT.2020 R'G'B' signal in [0, 1], SDR white at 203 cd/m2 (BT.2408),
    the SDR picture's light as its BT.1886 display shows it (gamma 2.4, written out here)."""
    linear709 = (rgb / 255.0) ** 2.4
    linear2020 = linear709 @ np.linalg.inv(hdr.BT2020_TO_BT709).T
    nits = np.clip(linear2020, 0, None) * hdr.SDR_WHITE_NITS
    if transfer == "pq":
        return hdr.pq_inverse_eotf(nits)
    # HLG: invert the BT.2100 OOTF (Fd = Lw * Ys^(gamma-1) * Es) for a 1000 cd/m2 display
    yd = np.maximum(nits @ hdr.BT2020_LUMA.astype(np.float64), 1e-9) / hdr.HLG_PEAK
    ys = np.power(yd, 1 / hdr.HLG_GAMMA)
    scene = nits / hdr.HLG_PEAK / np.power(ys, hdr.HLG_GAMMA - 1)[..., None]
    return hdr.hlg_oetf(scene)


def _write_hdr(path, rgb: np.ndarray, transfer: str, frames: int = 3):
    """10-bit HEVC (libx265), BT.2020 non-constant-luminance, limited range, tagged."""
    trc = colour.TRC_SMPTE2084 if transfer == "pq" else colour.TRC_ARIB_STD_B67
    signal = np.round(_to_hdr_signal(rgb, transfer) * 65535).astype(np.uint16)
    h, w = rgb.shape[:2]
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx265", rate=25)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p10le"
        ctx = s.codec_context
        ctx.color_primaries, ctx.color_trc = colour.PRI_BT2020, trc
        ctx.colorspace, ctx.color_range = colour.SPC_BT2020_NCL, colour.RANGE_MPEG
        s.options = {"crf": "8", "preset": "ultrafast", "x265-params": "log-level=error"}

        def tagged() -> av.VideoFrame:
            f = av.VideoFrame.from_ndarray(signal, format="rgb48le").reformat(
                format="yuv420p10le", dst_colorspace="BT2020", dst_color_range="MPEG")
            f.color_primaries, f.color_trc = colour.PRI_BT2020, trc
            return f

        encode_frames(c, s, (tagged() for _ in range(frames)))
    return path


def _mean_delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(deltaE_ciede2000(rgb2lab(a), rgb2lab(b)).mean())


@pytest.mark.parametrize("transfer", ["pq", "hlg"])
def test_hdr_comes_back_close_to_its_sdr_original(tmp_path, transfer):
    original = _sdr_original()
    path = _write_hdr(tmp_path / f"{transfer}.mp4", original, transfer)
    info = media.probe(path).video
    assert info.codec == "hevc" and info.colour.hdr == transfer
    frames = list(media.iter_frames(path))
    assert len(frames) == 3 and frames[0].shape == original.shape
    ours = _mean_delta_e(frames[0], original)
    assert ours < 5.0
    # control: the same file read without tone mapping is far off (grey, washed out)
    with av.open(str(path)) as c:
        naive = next(c.decode(video=0)).to_ndarray(format="rgb24")
    assert _mean_delta_e(naive, original) > max(6.0, 2 * ours)


def test_an_hdr_render_is_tagged_bt709(tmp_path):
    hdr_tags = colour.ColourTags(colour.PRI_BT2020, colour.TRC_SMPTE2084, colour.SPC_BT2020_NCL, colour.RANGE_MPEG)
    out = tmp_path / "out.mp4"
    with media.VideoWriter(out, 160, 160, Fraction(25), comment=None, colour=hdr_tags) as w:
        w.write(_sdr_original())
    assert media.probe(out).video.colour == colour.BT601  # SD size; 709 from 720 lines up


def test_transfer_functions_round_trip_and_known_values():
    x = np.linspace(0, 1, 101)
    assert np.allclose(hdr.pq_inverse_eotf(hdr.pq_eotf(x)), x, atol=1e-6)
    assert np.allclose(hdr.hlg_inverse_oetf(hdr.hlg_oetf(x)), x, atol=1e-6)
    assert np.allclose(hdr.bt1886_eotf(hdr.bt1886_inverse_eotf(x)), x, atol=1e-6)
    # ST 2084: 100 cd/m2 at signal 0.508, 1000 at 0.752 (BT.2100 / BT.2408 tables)
    assert hdr.pq_inverse_eotf(100.0) == pytest.approx(0.508, abs=0.001)
    assert hdr.pq_inverse_eotf(1000.0) == pytest.approx(0.752, abs=0.001)
    # HLG: reference white (75% signal) is scene light 0.265
    assert hdr.hlg_inverse_oetf(0.75) == pytest.approx(0.2650, abs=0.001)


def test_bt2390_eetf_keeps_shadows_and_lands_the_peak():
    nits = np.array([1.0, 20.0, 50.0, 1000.0])
    out = hdr.bt2390_eetf(nits, 1000.0, 203.0)
    assert np.allclose(out[:3], nits[:3], rtol=0.01)
    assert out[3] == pytest.approx(203.0, rel=0.01)
    grid = hdr.bt2390_eetf(np.linspace(0, 1000, 500), 1000.0, 203.0)
    assert np.all(np.diff(grid) >= -1e-9)


def test_an_hdr_presenter_renders_in_sdr_colours(engine, tmp_path, make_timeline):
    """A PQ presenter through analysis and render: face found, output tagged SDR, colours of
    the SDR original above the mouth (the render leaves them as decoded)."""
    from tests.helpers.signals import tone

    original = _sdr_original(240)
    path = _write_hdr(tmp_path / "presenter_pq.mp4", original, "pq", frames=15)
    r = engine.render(path, tone(0.6), 16000, make_timeline(0.6), tmp_path / "out.mp4", renderer="warp")
    assert r.frames_without_face == 0
    assert r.options["conversions"] == ["HDR (PQ) tone-mapped to SDR BT.709 with the BT.2390 EETF"]
    assert media.probe(r.path).video.colour == colour.BT601  # 240x240 is SD
    out = media.read_frame(r.path)
    assert _mean_delta_e(out[:90], original[:90]) < 5.0


def test_sdr_mid_grey_placed_in_pq_comes_back_as_itself():
    """BT.2408 places SDR in HDR as its display light, white at 203 cd/m2: below the EETF's knee
    the tone mapping is the identity, so mid-grey must come back as it was (the BT.709 camera
    OETF on that display light gave 108 instead of 128: about ten L* too dark)."""
    tags = colour.ColourTags(primaries=colour.PRI_BT2020, transfer=colour.TRC_SMPTE2084,
                             matrix=colour.SPC_BT2020_NCL, range=colour.RANGE_MPEG)
    grey = 128 / 255
    nits = grey ** 2.4 * hdr.SDR_WHITE_NITS  # BT.1886 display light, written out
    signal = hdr.pq_inverse_eotf(nits)
    mapper = hdr.ToneMapper.for_frame(av.VideoFrame(16, 16, "rgb48le"), tags)  # no metadata: 1000 cd/m2
    code = int(np.rint(signal * 65535))
    out = mapper.to_sdr(np.full((1, 1, 3), mapper.signal_lut[code], np.float32))
    assert abs(int(out[0, 0, 0]) - 128) <= 1
