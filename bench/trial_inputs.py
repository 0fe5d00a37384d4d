"""A new user's trial of four kinds of real-world input (issue 15): two inputs of each kind,
built here from the shared footage and unlike the tests' own, run with the `polydub` CLI as the
README says, and the HDR results measured against their SDR originals.

    PYTHONPATH=$PWD python bench/trial_inputs.py build DIR          # writes the inputs into DIR
    PYTHONPATH=$PWD python bench/trial_inputs.py delta-e SDR OUT    # mean ΔE2000, output vs SDR

Kinds and inputs (footage from $POLYDUB_TEST_MEDIA, else ../shared/media beside the project
root, wherever the script is run from):
- HDR: presenter_a (700x700, 1350/61 fps) placed in PQ (HDR10, no MaxCLL or mastering
  metadata) as 10-bit HEVC in MP4, and presenter_c placed in HLG as 10-bit HEVC in MKV. The PQ
  and HLG signals are written out here from ST 2084 and BT.2100 (not with lipsync.hdr), and the
  SDR frames they came from are kept beside them (`*.sdr.mkv`, lossless RGB) for `delta-e`.
- Mixed-language scripts: a Markdown SOP with an Arabic bullet and a Chinese step, and a plain
  text with a French and a Portuguese line.
- A presenter without a face in a batch of two: a textured, moving scene (video) and a photo of
  a chart (PNG).
- Truncated files: the English narration cut to 55 % of its bytes (WAV; its header still
  declares 5 s), and presenter_b remuxed to MKV and cut to 65 % of its bytes.
"""

from __future__ import annotations

import argparse
import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

# ITU-R BT.2087: linear BT.709 RGB -> linear BT.2020 RGB
BT709_TO_BT2020 = np.array([[0.6274, 0.3293, 0.0433], [0.0691, 0.9195, 0.0114], [0.0164, 0.0880, 0.8956]])
BT2020_LUMA = np.array([0.2627, 0.6780, 0.0593])  # ITU-R BT.2100 Table 5
SDR_WHITE = 203.0  # cd/m2, ITU-R BT.2408 reference white
HLG_PEAK, HLG_GAMMA = 1000.0, 1.2  # BT.2100 reference display and its system gamma


#: the footage the README names, ../shared/media beside the project root: found from this
#: script's place, so `build` runs from any folder
PROJECT_MEDIA = Path(__file__).resolve().parents[1].parent / "shared" / "media"
FOOTAGE = ("presenter_a.mp4", "presenter_b.mp4", "presenter_c.mp4", "narration_en.wav")


def _media() -> Path:
    """$POLYDUB_TEST_MEDIA, else the project's ../shared/media (not the working folder's)."""
    given = os.environ.get("POLYDUB_TEST_MEDIA")
    return Path(given).resolve() if given else PROJECT_MEDIA


def missing_footage(media: Path) -> list[str]:
    """The files `build` reads that `media` lacks."""
    return [name for name in FOOTAGE if not (media / name).is_file()]


def pq_signal(nits: np.ndarray) -> np.ndarray:
    """SMPTE ST 2084 inverse EOTF: display light in cd/m2 -> PQ signal in [0, 1]."""
    m1, m2 = 2610 / 16384, 2523 / 4096 * 128
    c1, c2, c3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
    y = np.power(np.clip(nits / 10000.0, 0, 1), m1)
    return np.power((c1 + c2 * y) / (1 + c3 * y), m2)


def hlg_signal(nits: np.ndarray) -> np.ndarray:
    """BT.2100 HLG: display light (cd/m2, BT.2020) -> inverse OOTF for a 1000 cd/m2 display ->
    OETF -> signal in [0, 1]."""
    yd = np.maximum(nits @ BT2020_LUMA / HLG_PEAK, 1e-9)
    scene = nits / HLG_PEAK / np.power(np.power(yd, 1 / HLG_GAMMA), HLG_GAMMA - 1)[..., None]
    a, b, c = 0.17883277, 0.28466892, 0.55991073
    scene = np.clip(scene, 0, 1)
    return np.where(scene <= 1 / 12, np.sqrt(3 * scene), a * np.log(np.maximum(12 * scene - b, 1e-9)) + c)


def hdr_frame(rgb: np.ndarray, transfer: str) -> np.ndarray:
    """SDR BT.709 RGB uint8 (as its BT.1886 display shows it, gamma 2.4, white at 203 cd/m2)
    -> 16-bit BT.2020 R'G'B' in PQ or HLG."""
    nits = np.clip(((rgb / 255.0) ** 2.4) @ BT709_TO_BT2020.T, 0, None) * SDR_WHITE
    signal = pq_signal(nits) if transfer == "pq" else hlg_signal(nits)
    return np.round(np.clip(signal, 0, 1) * 65535).astype(np.uint16)


def write_hdr(source: Path, out: Path, transfer: str, seconds: float = 5.0) -> None:
    """`source`'s first `seconds` as 10-bit HEVC in PQ or HLG (BT.2020, tagged), its audio
    dropped, and the SDR frames it was made from as lossless H.264 RGB beside it."""
    sdr = out.with_suffix(".sdr.mkv")
    with av.open(str(source)) as src, av.open(str(out), "w") as hdr, av.open(str(sdr), "w") as ref:
        vin = src.streams.video[0]
        rate = vin.average_rate
        h = hdr.add_stream("libx265", rate=rate)
        h.width, h.height, h.pix_fmt = vin.width, vin.height, "yuv420p10le"
        ctx = h.codec_context
        trc = "smpte2084" if transfer == "pq" else "arib-std-b67"
        ctx.color_primaries, ctx.color_trc, ctx.colorspace, ctx.color_range = 9, 16 if transfer == "pq" else 18, 9, 1
        h.options = {"crf": "12", "preset": "ultrafast",
                     "x265-params": f"log-level=error:colorprim=bt2020:transfer={trc}:colormatrix=bt2020nc"}
        r = ref.add_stream("libx264rgb", rate=rate)
        r.width, r.height, r.pix_fmt = vin.width, vin.height, "rgb24"
        r.options = {"qp": "0", "preset": "ultrafast"}
        for i, frame in enumerate(src.decode(video=0)):
            if i >= seconds * float(rate):
                break
            rgb = frame.to_ndarray(format="rgb24")
            f = av.VideoFrame.from_ndarray(hdr_frame(rgb, transfer), format="rgb48le").reformat(
                format="yuv420p10le", dst_colorspace="BT2020", dst_color_range="MPEG")
            f.pts, f.time_base = i, Fraction(1) / rate
            hdr.mux(h.encode(f))
            g = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            g.pts, g.time_base = i, Fraction(1) / rate
            ref.mux(r.encode(g))
        hdr.mux(h.encode(None))
        ref.mux(r.encode(None))


def scene_without_face(out: Path, frames: int = 75) -> None:
    """640x360 at 25 fps: drifting coloured stripes and noise, no face."""
    rng = np.random.default_rng(7)
    with av.open(str(out), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 640, 360, "yuv420p"
        x = np.arange(640)[None, :, None]
        for i in range(frames):
            stripes = (127 + 100 * np.sin((x + 4 * i) / 23.0 + np.array([0, 2, 4]))).repeat(360, 0)
            frame = np.clip(stripes + rng.normal(0, 12, stripes.shape), 0, 255).astype(np.uint8)
            f = av.VideoFrame.from_ndarray(frame, format="rgb24")
            f.pts, f.time_base = i, Fraction(1, 25)
            c.mux(s.encode(f))
        c.mux(s.encode(None))


def chart_photo(out: Path) -> None:
    """A 800x600 bar chart (PNG): a slide, not a presenter."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (800, 600), "white")
    draw = ImageDraw.Draw(img)
    for k, height in enumerate((220, 340, 180, 420, 300)):
        draw.rectangle((80 + k * 140, 540 - height, 170 + k * 140, 540), fill=(40 + 40 * k, 90, 200 - 30 * k))
    draw.line((60, 540, 760, 540), fill="black", width=3)
    img.save(out)


def cut(source: Path, out: Path, keep: float) -> None:
    """The first `keep` of a file's bytes, as an interrupted copy leaves it."""
    data = source.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])


def remux_mkv(source: Path, out: Path) -> None:
    """`source`'s streams copied into Matroska (no re-encoding)."""
    with av.open(str(source)) as src, av.open(str(out), "w") as dst:
        pairs = [(s, dst.add_stream_from_template(s)) for s in src.streams if s.type in ("video", "audio")]
        by_index = {s.index: o for s, o in pairs}
        for packet in src.demux(*[s for s, _ in pairs]):
            if packet.dts is None:
                continue
            packet.stream = by_index[packet.stream.index]
            dst.mux(packet)


SCRIPTS = {
    "mixed_ar_zh.md": (
        "# Forklift check\n\n"
        "Walk around the forklift before every shift and look for leaks.\n\n"
        "- Check the tyres and the forks for cracks.\n"
        "- تحقق من مستوى الزيت قبل تشغيل الرافعة الشوكية.\n\n"
        "1. Sound the horn before you reverse.\n"
        "2. 倒车前请鸣喇叭并确认后方无人。\n\n"
        "Report any fault to the shift supervisor.\n"),
    "mixed_fr_pt.txt": (
        "Before you start the press, put on your gloves and your safety glasses.\n\n"
        "N'approchez jamais les mains de la zone de pressage pendant le cycle.\n\n"
        "Keep the emergency stop within reach at all times.\n\n"
        "Desligue a prensa e retire a chave antes de limpar a matriz.\n\n"
        "Thank you for working safely.\n"),
}


def build(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    media = _media()
    write_hdr(media / "presenter_a.mp4", folder / "pq_presenter_a.mp4", "pq")
    write_hdr(media / "presenter_c.mp4", folder / "hlg_presenter_c.mkv", "hlg")
    for name, text in SCRIPTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    scene_without_face(folder / "no_face_scene.mp4")
    chart_photo(folder / "no_face_chart.png")
    cut(media / "narration_en.wav", folder / "cut_narration.wav", 0.55)
    remux_mkv(media / "presenter_b.mp4", folder / "presenter_b.mkv")
    cut(folder / "presenter_b.mkv", folder / "cut_presenter_b.mkv", 0.65)


def delta_e(sdr: Path, output: Path, every: int = 5) -> tuple[float, float, int]:
    """(mean ΔE2000 of `output` against the SDR frames it was made from, the same for the HDR
    file decoded naively (no tone mapping), frames compared): frame i against frame i, every
    `every`th frame, over the frames both have."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    def frames(path: Path):
        with av.open(str(path)) as c:
            for i, f in enumerate(c.decode(video=0)):
                if i % every == 0:
                    yield f.to_ndarray(format="rgb24")

    ours, naive, n = [], [], 0
    hdr_file = sdr.with_suffix("").with_suffix(".mp4" if "pq_" in sdr.name else ".mkv")
    for a, b, c in zip(frames(sdr), frames(output), frames(hdr_file)):
        la = rgb2lab(a)
        ours.append(float(deltaE_ciede2000(la, rgb2lab(b)).mean()))
        naive.append(float(deltaE_ciede2000(la, rgb2lab(c)).mean()))
        n += 1
    return float(np.mean(ours)), float(np.mean(naive)), n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build").add_argument("folder", type=Path)
    measure = sub.add_parser("delta-e")
    measure.add_argument("sdr", type=Path)
    measure.add_argument("output", type=Path)
    args = parser.parse_args()
    if args.command == "build":
        missing = missing_footage(_media())
        if missing:
            parser.error(f"no {', '.join(missing)} in {_media()}: put the footage in ../shared/media beside the "
                         "project or set POLYDUB_TEST_MEDIA to its folder")
        build(args.folder)
    else:
        ours, naive, n = delta_e(args.sdr, args.output)
        print(f"{args.output.name}: mean ΔE2000 {ours:.2f} against the SDR original over {n} frames "
              f"(the HDR file decoded without tone mapping: {naive:.2f})")


if __name__ == "__main__":
    main()
