"""The options `polydub localize` and `lipsync` gained from the job graph, end to end with the
real steps: --glossary, --translations, --review, a model from `polydub models import`,
--recording, --audio-track, --rate, --renderer wav2lip --checkpoint and lipsync --transcript.
Inputs are built here; the runs that render are marked slow."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from api.cli import main
from lipsync import media
from pipeline.jobs.store import JobStore

SCRIPT = "Clean the nozzle.\n\nOpen the valve.\n"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYDUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLYDUB_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    (tmp_path / "script.md").write_text(SCRIPT, encoding="utf-8")
    return tmp_path


def _reviewed(env, capsys, argv, lang):
    """Run localize --review; return the job id and the translation the review command shows."""
    assert main(["-q", "localize", *argv, "--review", "--out", str(env / "out")]) == 0
    out = capsys.readouterr().out
    assert "waits for review" in out, out
    job = out.split()[1]
    assert main(["review", job, "--lang", lang]) == 0
    return job, capsys.readouterr().out


def _translation(env, job, lang) -> dict:
    store = JobStore(env / "data" / "jobs.sqlite")
    from pipeline.jobs.artifacts import ArtifactStore

    task = store.task(job, f"translate:{lang}")
    return json.loads((ArtifactStore(env / "data" / "artifacts").path(task["output"]) / "translation.json")
                      .read_text(encoding="utf-8"))


def test_glossary_and_provided_translations_reach_the_translation(env, capsys, write_video):
    video = write_video(env / "ana.mp4", frames=3)
    (env / "glossary.csv").write_text("term,translation,language\nnozzle,BICO-X,pt\n", encoding="utf-8")
    (env / "given.csv").write_text("source,target\nOpen the valve.,Abra já a válvula.\n", encoding="utf-8")
    job, review = _reviewed(env, capsys, ["--text", str(env / "script.md"), "--lang", "pt", "--source-lang", "en",
                                          "--presenter", str(video), "--glossary", str(env / "glossary.csv"),
                                          "--translations", str(env / "given.csv")], "pt")
    assert "BICO-X" in review and "Abra já a válvula." in review
    # the same command again is the same job, still waiting for its review
    assert main(["-q", "localize", "--text", str(env / "script.md"), "--lang", "pt", "--source-lang", "en",
                 "--presenter", str(video), "--glossary", str(env / "glossary.csv"), "--translations",
                 str(env / "given.csv"), "--review", "--out", str(env / "out")]) == 0
    assert f"job {job} waits for review" in capsys.readouterr().out


@pytest.mark.slow
def test_an_imported_model_translates_through_localize(env, capsys, write_video):
    import torch

    from tests.helpers.translate import build_tiny_marian

    model = build_tiny_marian(env / "build" / "opus-mt-en-de")
    assert main(["models", "import", str(model)]) == 0
    capsys.readouterr()
    video = write_video(env / "ana.mp4", frames=3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 32-wide model gains nothing from threads on a busy machine
    try:
        job, _ = _reviewed(env, capsys, ["--text", str(env / "script.md"), "--lang", "de", "--source-lang", "en",
                                         "--presenter", str(video)], "de")
    finally:
        torch.set_num_threads(threads)
    assert _translation(env, job, "de")["backend"] == "marian"


def test_audio_track_reaches_the_decoder(monkeypatch, tmp_path):
    from pipeline import steps

    seen = {}

    def read_audio(path, *, track=None, accept_truncated=False):
        seen.update(track=track, accept_truncated=accept_truncated)
        return np.zeros(1600, np.float32), 16000

    monkeypatch.setattr(media, "read_audio", read_audio)
    steps.load_audio(tmp_path / "talk.mkv", track=2)
    assert seen == {"track": 2, "accept_truncated": False}
    seen.clear()
    steps.load_audio(tmp_path / "talk.mkv", accept_truncated=True)
    assert seen == {"track": None, "accept_truncated": True}


def _speech(text: str, lang: str = "en"):
    from tts import Synthesizer

    return Synthesizer().synthesize([text], lang)


def _two_track_recording(path, speech):
    """An MKV whose first audio stream is silence and whose second is the talk."""
    import av

    with av.open(str(path), "w") as out:
        streams = [out.add_stream("pcm_s16le", rate=speech.sample_rate) for _ in range(2)]
        for stream in streams:
            stream.layout = "mono"
        samples = (np.clip(speech.audio, -1, 1) * 32767).astype(np.int16)
        for stream, data in zip(streams, (np.zeros_like(samples), samples)):
            frame = av.AudioFrame.from_ndarray(data[None, :], format="s16", layout="mono")
            frame.sample_rate = speech.sample_rate
            for packet in stream.encode(frame):
                out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
    return path


@pytest.mark.slow
def test_a_recording_is_transcribed_then_translated(env, capsys, write_video):
    """--audio-track 2 picks the talk in an MKV whose first track is silence."""
    speech = _speech("Wear gloves before you start.")
    video = write_video(env / "ana.mp4", frames=3)
    talk = _two_track_recording(env / "talk.mkv", speech)
    argv = ["--lang", "pt", "--presenter", str(video), "--recording", str(talk), "--audio-track", "2"]
    job, review = _reviewed(env, capsys, argv, "pt")
    translation = _translation(env, job, "pt")
    assert translation["source_language"].startswith("en")
    assert "glove" in " ".join(s["source"] for s in translation["sentences"]).lower()
    assert "luva" in review.lower()


@pytest.mark.slow
def test_a_recording_with_its_transcript_is_aligned_not_recognised(env, capsys, astronaut_photo):
    """localize --recording --transcript: the words given are the script, timed on the recording with
    no recogniser, and the pack's manifest says so (it said nothing of how a talk's words were timed)."""
    words = "Wear gloves before you start."
    speech = _speech(words)
    talk = env / "talk.wav"
    media.write_audio(talk, speech.audio, speech.sample_rate)
    (env / "words.txt").write_text(words, encoding="utf-8")
    code = main(["-q", "localize", "--recording", str(talk), "--transcript", str(env / "words.txt"), "--lang", "en",
                 "--source-lang", "en", "--presenter", str(astronaut_photo), "--out", str(env / "out")])
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((env / "out" / "en" / "manifest.json").read_text())
    assert manifest["models"]["transcription"].startswith("none: the given transcript"), manifest["models"]
    assert (env / "out" / "en" / "script.md").read_text(encoding="utf-8").strip() == words


def test_a_transcript_needs_a_recording(env, capsys):
    (env / "words.txt").write_text("Clean the nozzle.", encoding="utf-8")
    code = main(["-q", "localize", "--text", str(env / "script.md"), "--transcript", str(env / "words.txt"),
                 "--lang", "pt", "--presenter", str(env / "script.md"), "--out", str(env / "out")])
    assert code == 1
    assert "--transcript gives the words of a --recording" in capsys.readouterr().err


@pytest.mark.slow
def test_rate_speeds_the_voice_up(env, capsys, astronaut_photo):
    assert main(["-q", "localize", "--text", str(env / "script.md"), "--lang", "en", "--source-lang", "en",
                 "--presenter", str(astronaut_photo), "--rate", "1.6", "--out", str(env / "out")]) == 0
    manifest = json.loads((env / "out" / "en" / "manifest.json").read_text())
    from tts import Synthesizer

    texts = ["Clean the nozzle.", "Open the valve."]  # two paragraphs of the script
    fast, normal = (Synthesizer().synthesize(texts, "en", rate=r, paragraph_breaks={1}) for r in (1.6, 1.0))
    assert abs(manifest["narration"]["duration"] - fast.duration) < 0.05
    assert fast.duration < 0.85 * normal.duration


@pytest.mark.slow
def test_lipsync_with_transcript_and_wav2lip_checkpoint(env, capsys, demo_presenter):
    torch = pytest.importorskip("torch")
    from lipsync.wav2lip import Wav2LipModel

    torch.manual_seed(0)
    checkpoint = env / "wav2lip_gan.pth"
    torch.save({"state_dict": Wav2LipModel().state_dict(), "global_step": 0, "global_epoch": 0}, checkpoint)
    words = "Switch off the machine."
    speech = _speech(words)
    narration = env / "narration.wav"
    media.write_audio(narration, speech.audio, speech.sample_rate)
    (env / "words.txt").write_text(words, encoding="utf-8")
    code = main(["-q", "lipsync", "--audio", str(narration), "--presenter", str(demo_presenter), "--transcript",
                 str(env / "words.txt"), "--language", "en", "--renderer", "wav2lip", "--checkpoint",
                 str(checkpoint), "--out", str(env / "out")])
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((env / "out" / "manifest.json").read_text())
    assert [v["renderer"] for v in manifest["videos"]] == ["wav2lip"]
    assert manifest["models"]["transcription"].startswith("none: the given transcript")  # no recogniser ran
    assert (env / "out" / "script.md").read_text().strip() == words
    info = media.probe(env / "out" / "videos" / "astronaut.mp4")
    assert abs(info.duration - speech.duration) < 0.2 and info.video.fps == Fraction(25)
    assert (env / "out.zip").exists()
