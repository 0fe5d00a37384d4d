import json
import zipfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from pipeline.pack import video_entry, write_pack
from tts.types import Speech, TimedText


@dataclass(frozen=True)
class _Render:
    path: Path
    renderer: str = "exemplar"
    duration: float = 2.0
    fps: Fraction = Fraction(1350, 61)
    width: int = 64
    height: int = 48
    frames_without_face: int = 3


def test_pack_has_every_part_and_a_zip(tmp_path):
    speech = Speech(audio=np.zeros(32000, np.float32), sample_rate=16000, phonemes=(),
                    words=(TimedText(0.1, 0.5, "Limpe"), TimedText(0.6, 1.0, "o"), TimedText(1.1, 1.8, "bico.")),
                    sentences=(TimedText(0.1, 1.8, "Limpe o bico."),), language="pt-BR", voice="v", backend="b")
    folder = tmp_path / "pt-BR"
    (folder / "videos").mkdir(parents=True)
    (folder / "videos" / "anna.mp4").write_bytes(b"video")
    (folder / "narration.wav").write_bytes(b"audio")
    pack = write_pack(folder, language="pt-BR", speech=speech, script_text="# Bico\n\nLimpe o bico.",
                      videos=[video_entry("anna", _Render(folder / "videos" / "anna.mp4"))],
                      models={"translation": "bergamot:en-pt"}, source_language="en")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["synthetic_media"] is True
    assert manifest["videos"][0]["fps"] == "1350/61"
    assert manifest["videos"][0]["frames_without_face"] == 3
    assert manifest["models"]["translation"] == "bergamot:en-pt"
    assert "00:00:00,100 --> 00:00:01,800" in (folder / "subtitles.srt").read_text()
    assert (folder / "subtitles.vtt").read_text().startswith("WEBVTT")
    with zipfile.ZipFile(pack.zip_path) as zf:
        names = set(zf.namelist())
    assert names == {"videos/anna.mp4", "narration.wav", "subtitles.srt", "subtitles.vtt", "script.md", "manifest.json"}
    assert pack.zip_path == tmp_path / "pt-BR.zip"


def _long_speech() -> Speech:
    text = ("Before you start the machine, check that the safety guard is closed, that the emergency stop "
            "button is released and that nobody is standing inside the marked area around the press.")
    words, t = [], 0.0
    for w in text.split():
        words.append(TimedText(t, t + 0.3, w))
        t += 0.35
    return Speech(audio=np.zeros(int(16000 * (t + 1)), np.float32), sample_rate=16000, phonemes=(),
                  words=tuple(words), sentences=(TimedText(0.0, t, text),), language="en", voice="v", backend="b")


def test_a_long_sentence_is_laid_out_in_short_cues_and_reported(tmp_path):
    folder = tmp_path / "en"
    (folder / "videos").mkdir(parents=True)
    write_pack(folder, language="en", speech=_long_speech(), script_text="text", videos=[], models={})
    srt = (folder / "subtitles.srt").read_text()
    blocks = [b.splitlines()[2:] for b in srt.strip().split("\n\n")]
    assert len(blocks) > 2
    assert all(1 <= len(lines) <= 2 and all(len(line) <= 42 for line in lines) for lines in blocks)
    vtt = (folder / "subtitles.vtt").read_text()
    assert vtt.count(" --> ") == len(blocks)
    quality = json.loads((folder / "manifest.json").read_text())["quality"]["subtitles"]
    assert quality["cues"] == len(blocks)
    assert quality["rules"]["max_chars"] == 42 and quality["issues"] == []


def test_each_video_lists_what_decoding_did(tmp_path):
    @dataclass(frozen=True)
    class _Rotated(_Render):
        options: dict = None

    folder = tmp_path / "pt"
    (folder / "videos").mkdir(parents=True)
    turned = "turned 90 degrees counter-clockwise to 48x64, as its display matrix says"
    video = video_entry("anna", _Rotated(folder / "videos" / "anna.mp4", options={"conversions": [turned]}))
    write_pack(folder, language="pt", speech=_long_speech(), script_text="t", videos=[video], models={})
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["videos"][0]["conversions"] == [turned]


def test_a_second_face_in_view_is_said_in_the_manifest(tmp_path):
    from pipeline.pack import faces_in_view

    analysis = tmp_path / "analysis"
    analysis.mkdir()
    (analysis / "report.json").write_text(json.dumps({"faces_in_frame": 2, "other_face_px": 87.46}))
    assert faces_in_view(analysis) == {"faces_in_frame": 2, "other_face_px": 87.5}
    (analysis / "report.json").write_text(json.dumps({"faces_in_frame": 1, "other_face_px": 0.0}))
    assert faces_in_view(analysis) == {} and faces_in_view(tmp_path / "gone") == {} and faces_in_view(None) == {}


def _render_of(path: Path, width: int, height: int) -> Path:
    """A short H.264 file of this size, as a render writes it."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((height, width, 3), 40 * i, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def test_an_odd_width_photo_is_recorded_as_the_file_is_with_its_source_size(tmp_path):
    """fresh3 finding 9: the manifest said 525 wide for a photo whose video is 526 wide."""
    from PIL import Image

    from pipeline.pack import rendered_picture

    photo = tmp_path / "photo_a.png"
    Image.new("RGB", (525, 700), (120, 90, 80)).save(photo)
    entry = rendered_picture(_render_of(tmp_path / "video.mp4", 526, 700), photo, 525, 700, ())
    assert (entry["width"], entry["height"], entry["source_size"]) == (526, 700, [525, 700])
    assert entry["conversions"] == ["padded from 525x700 to 526x700 (H.264 needs even sizes)"]
    # an even size: nothing added
    even = rendered_picture(_render_of(tmp_path / "even.mp4", 64, 48), photo, 64, 48, ("HDR (PQ) tone-mapped",))
    assert even == {"width": 64, "height": 48, "conversions": ["HDR (PQ) tone-mapped"]}


def test_an_exif_rotated_photo_gets_its_conversion_line_like_a_rotated_video(tmp_path):
    from PIL import Image

    from pipeline.pack import rendered_picture

    photo = tmp_path / "exif6.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown turned 90 degrees clockwise
    Image.new("RGB", (64, 48), (120, 90, 80)).save(photo, exif=exif)
    entry = rendered_picture(_render_of(tmp_path / "video.mp4", 48, 64), photo, 48, 64, ())
    assert entry["conversions"] == ["turned 90 degrees clockwise to 48x64, as its EXIF orientation says"]
    assert "source_size" not in entry
    upright = tmp_path / "upright.jpg"
    Image.new("RGB", (48, 64)).save(upright)
    assert rendered_picture(tmp_path / "video.mp4", upright, 48, 64, ())["conversions"] == []


def test_the_manifest_lists_a_padded_videos_source_size(tmp_path):
    from pipeline.pack import PackedVideo, _video_record

    padded = PackedVideo("photo_a", "videos/photo_a.mp4", "warp", 1.0, "25", 526, 700, 0, source_size=(525, 700))
    assert _video_record(padded)["source_size"] == [525, 700] and _video_record(padded)["width"] == 526
    assert "source_size" not in _video_record(PackedVideo("a", "videos/a.mp4", "warp", 1.0, "25", 64, 48, 0))
