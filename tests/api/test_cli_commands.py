"""End-to-end tests of `polydub localize` and `polydub lipsync`, and their one-line errors."""

from __future__ import annotations

import json
import zipfile
from fractions import Fraction

import numpy as np
import pytest

from api.cli import main
from lipsync import media

SCRIPT = "# Safety\n\nWear gloves before you start.\n\n1. Switch off the machine for 5 minutes.\n"


def _run(capsys, *argv):
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def models_dir(tmp_path_factory, monkeypatch):
    path = tmp_path_factory.mktemp("models")
    monkeypatch.setenv("POLYDUB_MODELS", str(path))
    return path


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory, monkeypatch):
    """The commands keep their jobs and artifacts here, never in the user's data folder."""
    path = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("POLYDUB_DATA_DIR", str(path))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    return path


@pytest.mark.slow
def test_localize_writes_a_pack_per_language(tmp_path, capsys, demo_presenter, models_dir):
    script = tmp_path / "sop.md"
    script.write_text(SCRIPT, encoding="utf-8")
    code, out, err = _run(capsys, "localize", "--text", str(script), "--lang", "pt,en",
                          "--presenter", str(demo_presenter), "--out", str(tmp_path / "out"))
    assert code == 0, err
    for lang in ("pt-BR", "en"):
        folder = tmp_path / "out" / lang
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["language"] == lang and manifest["synthetic_media"]
        video = folder / "videos" / "astronaut.mp4"
        info = media.probe(video)
        narration, rate = media.read_audio(folder / "narration.wav")
        assert info.video.fps == Fraction(25) and (info.video.width, info.video.height) == (480, 480)
        assert abs(info.video.frames / 25 - len(narration) / rate) <= 1 / 25 + 1e-6
        assert info.audio is not None and "synthetic" in info.metadata["comment"]
        assert "-->" in (folder / "subtitles.srt").read_text()
        with zipfile.ZipFile(folder.with_suffix(".zip")) as zf:
            assert "videos/astronaut.mp4" in zf.namelist()
        assert str(folder) in out
    pt_script = (tmp_path / "out" / "pt-BR" / "script.md").read_text()
    assert pt_script.startswith("#") and "luvas" in pt_script.lower()


@pytest.mark.slow
def test_lipsync_one_audio_many_videos(tmp_path, capsys, demo_presenter, astronaut_photo, models_dir):
    # A narration made by the product's own English voice, carried in a video's audio track.
    from tts import Synthesizer

    speech = Synthesizer().synthesize(["Switch off the machine and wait five minutes."], "en")
    carrier = tmp_path / "narration.mkv"
    with media.VideoWriter(carrier, 32, 32, Fraction(10), audio=(speech.audio, speech.sample_rate)) as w:
        for _ in range(int(speech.duration * 10) + 1):
            w.write(np.zeros((32, 32, 3), np.uint8))
    code, out, err = _run(capsys, "lipsync", "--audio", str(carrier), "--presenter", str(demo_presenter),
                          str(astronaut_photo), "--out", str(tmp_path / "out"))
    assert code == 0, err
    videos = sorted((tmp_path / "out" / "videos").glob("*.mp4"))
    assert [v.name for v in videos] == ["astronaut-2.mp4", "astronaut.mp4"]
    for v in videos:
        info = media.probe(v)
        assert abs(info.duration - speech.duration) < 0.2


def test_bad_input_gives_one_line_errors(tmp_path, capsys, write_video, models_dir):
    script = tmp_path / "s.txt"
    script.write_text(SCRIPT)
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00garbage" * 50)
    silent_video = write_video(tmp_path / "noaudio.mp4", frames=3)
    cases = [
        (["localize", "--text", str(tmp_path / "missing.txt"), "--lang", "pt", "--presenter", str(silent_video),
          "--out", str(tmp_path / "o")], "no such script file"),
        (["localize", "--text", str(empty), "--lang", "pt", "--presenter", str(silent_video),
          "--out", str(tmp_path / "o")], "empty"),
        (["localize", "--text", str(script), "--lang", "xx-Klingon", "--presenter", str(silent_video),
          "--out", str(tmp_path / "o")], "xx"),
        (["lipsync", "--audio", str(broken), "--presenter", str(silent_video), "--out", str(tmp_path / "o")],
         "broken.mp4"),
        (["lipsync", "--audio", str(silent_video), "--presenter", str(silent_video), "--out", str(tmp_path / "o")],
         "no audio stream"),
        (["lipsync", "--audio", str(silent_video), "--presenter", str(tmp_path / "nobody.mp4"),
          "--out", str(tmp_path / "o")], "nobody.mp4"),
    ]
    for argv, needle in cases:
        code, out, err = _run(capsys, *argv)
        assert code == 1, argv
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("polydub: error:"), err
        assert needle.lower() in lines[0].lower(), (needle, err)


def test_help_explains_every_option(capsys):
    for command in ("localize", "lipsync", "demo"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert "--out" in out
