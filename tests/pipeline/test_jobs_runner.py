"""The real step runner's pack task: subtitles laid out, and every source segment listed in the
manifest with what became of it (skipped emoji and images included). No model loads."""

from __future__ import annotations

import json
import pickle
import zipfile

import numpy as np

from pipeline import steps
from pipeline.jobs.executor import TaskCall
from pipeline.jobs.runner import PipelineRunner, _save_speech
from tts.types import Speech, TimedText

SCRIPT = "# Helmet\n\nWear your helmet.\n\n🎉🎉\n\n![diagram](diagram.png)\n\nCheck the straps.\n"


def _inputs(tmp_path):
    doc = steps.read_script(SCRIPT, "en")
    source, translation, speech_dir = (tmp_path / n for n in ("source", "translation", "speech"))
    for d in (source, translation, speech_dir):
        d.mkdir()
    with open(source / "document.pickle", "wb") as f:
        pickle.dump(doc, f)
    texts = {"s1": "Capacete", "s2": "Use o capacete.", "s3": "Verifique as alças."}
    (translation / "translation.json").write_text(json.dumps({
        "source_language": "en", "target_language": "pt-BR", "backend": "fake", "model": "m",
        "sentences": [{"id": s.id, "source": s.text, "text": texts[s.id], "flags": []} for s in doc.sentences]}))
    sentences = tuple(TimedText(i * 1.5, i * 1.5 + 1.2, texts[f"s{i + 1}"]) for i in range(3))
    _save_speech(Speech(audio=np.zeros(16000 * 5, np.float32), sample_rate=16000, phonemes=(), words=(),
                        sentences=sentences, language="pt-BR", voice="v", backend="b"), speech_dir)
    return {"source": str(source), "translation": str(translation), "speech": str(speech_dir)}


def test_the_pack_lists_every_segment_and_the_subtitle_quality(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    call = TaskCall("job", "pack:pt", "pack", "k" * 64, _inputs(tmp_path), {"language": "pt", "names": {}})
    PipelineRunner(tmp_path / "data").run(call, out, lambda f, m=None: None)
    manifest = json.loads((out / "pack" / "manifest.json").read_text())
    segments = manifest["segments"]
    assert [(e["line"], e["outcome"]) for e in segments] == [
        (1, "translated"), (3, "translated"), (5, "skipped"), (7, "skipped"), (9, "translated")]
    assert segments[2]["reason"] == "emoji only" and segments[2]["text"] == "🎉🎉"
    assert segments[3]["reason"] == "image" and segments[3]["text"] == "diagram"
    assert manifest["quality"]["subtitles"]["cues"] == 3
    with zipfile.ZipFile(out / "pack.zip") as zf:
        assert json.loads(zf.read("manifest.json"))["segments"] == segments


def test_the_pack_manifest_says_which_sentences_a_reviewer_edited(tmp_path):
    """Before: the manifest did not say which sentences a person changed."""
    inputs = _inputs(tmp_path)
    path = tmp_path / "translation" / "translation.json"
    data = json.loads(path.read_text())
    data["sentences"][2].update({"text": "Confira as alças.", "edited_from": "Verifique as alças."})
    path.write_text(json.dumps(data))
    out = tmp_path / "out"
    out.mkdir()
    call = TaskCall("job", "pack:pt", "pack", "k" * 64, inputs, {"language": "pt", "names": {}})
    PipelineRunner(tmp_path / "data").run(call, out, lambda f, m=None: None)
    segments = json.loads((out / "pack" / "manifest.json").read_text())["segments"]
    assert [e.get("edited") for e in segments if e["outcome"] == "translated"] == [
        None, None, {"from": "Verifique as alças.", "to": "Confira as alças."}]


class _Engine:
    """Records what the runner hands the lip-sync engine; renders one black frame."""

    def __init__(self):
        self.decode = "unset"

    def render(self, presenter, audio, sample_rate, phonemes, out, **options):
        from fractions import Fraction
        from types import SimpleNamespace

        from lipsync.media import VideoWriter

        self.decode = options["decode"]
        with VideoWriter(out, 64, 48, Fraction(25), comment=None) as w:  # the manifest probes the file's size
            w.write(np.zeros((48, 64, 3), np.uint8))
        return SimpleNamespace(renderer="warp", frames=3, fps=Fraction(25), width=64, height=48, duration=0.12,
                               frames_without_face=0, options={"conversions": ["mirrored to 64x48, as its display "
                                                                               "matrix says"]})


def test_render_tasks_decode_with_the_spec_background_and_truncation(tmp_path):
    from pipeline.jobs.plan import plan
    from pipeline.jobs.spec import JobSpec

    spec = JobSpec.from_dict({"text": "Hi there.", "languages": ["pt"], "presenters": ["p1"],
                              "accept_truncated": True, "background": "#808080"})
    tasks = {t.kind: t for t in plan(spec)}
    assert tasks["analyse"].params["decode"] == tasks["render"].params["decode"] == {
        "accept_truncated": True, "background": "#808080"}
    assert "decode" not in {t.kind: t for t in plan(JobSpec.from_dict({**spec.to_dict(), "background": None,
                                                                       "accept_truncated": False}))}["render"].params

    video = tmp_path / "video"
    video.mkdir()
    (video / "ana.mp4").write_bytes(b"x")
    (video / "meta.json").write_text(json.dumps({"name": "ana.mp4"}))
    speech = tmp_path / "speech"
    speech.mkdir()
    _save_speech(Speech(audio=np.zeros(1600, np.float32), sample_rate=16000, phonemes=(), words=(), sentences=(),
                        language="pt", voice="v", backend="b"), speech)
    analysis = tmp_path / "analysis"  # the presenter report: two faces in view
    analysis.mkdir()
    (analysis / "report.json").write_text(json.dumps({"faces_in_frame": 2, "other_face_px": 71.0}))
    engine = _Engine()
    out = tmp_path / "out"
    out.mkdir()
    call = TaskCall("job", "render:pt:p1", "render", "k" * 64,
                    {"video": str(video), "speech": str(speech), "analysis": str(analysis)},
                    dict(tasks["render"].params))
    PipelineRunner(toolkit=steps.Toolkit(engine=engine)).run(call, out, lambda f, m=None: None)
    assert engine.decode.accept_truncated is True and engine.decode.background == (128, 128, 128)
    result = json.loads((out / "result.json").read_text())
    assert result["conversions"] == ["mirrored to 64x48, as its display matrix says"]
    assert (result["faces_in_frame"], result["other_face_px"]) == (2, 71.0)
    # the pack's manifest says it for that video
    (out / "video.mp4").write_bytes(b"video")
    pack, packed = tmp_path / "pack", tmp_path / "packed"
    pack.mkdir()
    packed.mkdir()
    inputs = {**_inputs(packed), "render:p1": str(out)}
    failed = {"presenter": "bo", "language": "pt", "error": "bo.mp4: no face found in any frame"}
    call = TaskCall("job", "pack:pt", "pack", "k" * 64, inputs,
                    {"language": "pt", "names": {"p1": "ana"}, "failures": [failed]})
    PipelineRunner(tmp_path / "data").run(call, pack, lambda f, m=None: None)
    manifest = json.loads((pack / "pack" / "manifest.json").read_text())
    video_entry = manifest["videos"][0]
    assert video_entry["presenter"] == "ana" and video_entry["faces_in_frame"] == 2
    assert video_entry["other_face_px"] == 71.0
    # a failed render is listed in the pack's language as the manifest gives it (a lipsync's: the detected one)
    assert manifest["failures"] == [{**failed, "language": "pt-BR"}] and manifest["language"] == "pt-BR"


def test_a_language_with_two_voices_packs_a_narration_per_voice_and_each_presenters_voice(tmp_path):
    inputs = _inputs(tmp_path)
    other = tmp_path / "speech-b"
    other.mkdir()
    _save_speech(Speech(audio=np.zeros(16000 * 2, np.float32), sample_rate=16000, phonemes=(), words=(),
                        sentences=(TimedText(0.0, 1.0, "Use o capacete."),), language="pt-BR",
                        voice="kokoro:jm_kumo", backend="kokoro"), other)
    records = {"ana": {"voice": "v", "reason": "v: chosen by the user", "register": "female"},
               "bruno": {"voice": "kokoro:jm_kumo", "reason": "male voice: the default", "register": "male"}}
    out = tmp_path / "out"
    out.mkdir()
    call = TaskCall("job", "pack:pt", "pack", "k" * 64, {**inputs, "speech:kokoro:jm_kumo": str(other)},
                    {"language": "pt", "names": {"a1": "ana", "b2": "bruno"}, "voices": records})
    PipelineRunner(tmp_path / "data").run(call, out, lambda f, m=None: None)
    manifest = json.loads((out / "pack" / "manifest.json").read_text())
    assert manifest["voices"] == records
    assert manifest["narration"]["voice"] == "v" and manifest["narration_voice"]["presenter"] == "ana"
    assert [(n["file"], n["presenters"]) for n in manifest["narrations"]] == [
        ("narration-v.wav", ["ana"]), ("narration-kokoro-jm_kumo.wav", ["bruno"])]
    with zipfile.ZipFile(out / "pack.zip") as zf:
        assert {"narration.wav", "narration-v.wav", "narration-kokoro-jm_kumo.wav"} <= set(zf.namelist())


def test_the_manifest_names_a_voice_once_whether_the_synthesizer_gave_its_id_or_its_name():
    from pipeline.jobs.runner import voice_id

    assert voice_id("kokoro", "kokoro:jf_nezumi") == "kokoro:jf_nezumi"  # was "kokoro:kokoro:jf_nezumi"
    assert voice_id("piper", "en_US-joe-medium") == "piper:en_US-joe-medium"


def test_the_source_task_refuses_a_line_in_another_language_unless_the_spec_accepts_it(tmp_path):
    import pytest

    from pipeline.errors import InputError
    from pipeline.jobs.plan import plan
    from pipeline.jobs.spec import JobSpec

    text = ("Wear your helmet before entering the site.\n\nPortez toujours vos gants avant de démarrer la machine.\n\n"
            "Report every damaged cable to your supervisor at once.\n")
    spec = JobSpec.from_dict({"text": text, "languages": ["pt"], "presenters": ["p1"], "source_language": "en"})
    accepted = JobSpec.from_dict({**spec.to_dict(), "accept_mixed_language": True})
    params = {name: {t.kind: t for t in plan(s)}["source"].params for name, s in (("given", spec), ("ok", accepted))}
    assert "accept_mixed_language" not in params["given"]  # jobs without the flag keep their keys
    runner = PipelineRunner(tmp_path / "data")
    for name in params:
        (tmp_path / name).mkdir()
    call = TaskCall("job", "source", "source", "k" * 64, {}, dict(params["given"]))
    with pytest.raises(InputError, match=r"line 3 reads as French \(fr\)"):
        runner.run(call, tmp_path / "given", lambda f, m=None: None)
    call = TaskCall("job", "source", "source", "k" * 64, {}, dict(params["ok"]))
    assert runner.run(call, tmp_path / "ok", lambda f, m=None: None) == {"sentences": 3, "language": "en"}


def test_per_item_progress_is_reported_in_whole_percents():
    from pipeline.jobs.runner import _fraction

    seen = []
    step = _fraction(lambda fraction, message: seen.append((fraction, message)), "clip")
    for done in range(1, 1571):
        step(done, 1570)
    assert len(seen) == 101  # one report per percent (0 to 100), not one per frame
    assert seen[-1] == (1.0, "clip") and seen[0][0] < 0.011
    assert [round(f * 100) for f, _ in seen] == sorted({round(f * 100) for f, _ in seen})


def _narration_pack(tmp_path, sentence: str, heard: str, asked: str) -> dict:
    """Run the pack step on a one-sentence recorded narration the narration step heard as `heard`,
    for a job that asked for language `asked` (`und`: not said); the pack's manifest."""
    speech_dir, out = tmp_path / "speech", tmp_path / "out"
    speech_dir.mkdir()
    out.mkdir()
    _save_speech(Speech(audio=np.zeros(16000, np.float32), sample_rate=16000, phonemes=(), words=(),
                        sentences=(TimedText(0.1, 0.9, sentence),), language=heard, voice="recording",
                        backend="recording"), speech_dir)
    (speech_dir / "transcript.txt").write_text(sentence, encoding="utf-8")
    call = TaskCall("job", f"pack:{asked}", "pack", "k" * 64, {"speech": str(speech_dir)},
                    {"language": asked, "names": {}})
    PipelineRunner(tmp_path / "data").run(call, out, lambda f, m=None: None)
    return json.loads((out / "pack" / "manifest.json").read_text())


def test_a_narration_pack_records_the_narrations_language_as_its_source(tmp_path):
    """`polydub lipsync` without --language: the manifest said "source_language": null though
    the narration step had heard English."""
    manifest = _narration_pack(tmp_path, "Wear your helmet.", heard="en", asked="und")
    assert manifest["language"] == "en" and manifest["source_language"] == "en"


def test_a_narration_pack_names_a_bare_tag_as_a_translation_would(tmp_path):
    """`polydub lipsync --language pt` said "pt: 1 video(s) in ..." where `localize --lang pt` says pt-BR."""
    manifest = _narration_pack(tmp_path, "Use o capacete.", heard="pt", asked="pt")
    assert manifest["language"] == "pt-BR" and manifest["source_language"] == "pt"
