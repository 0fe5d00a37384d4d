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
