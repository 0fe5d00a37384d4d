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
