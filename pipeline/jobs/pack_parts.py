"""The pieces of a language pack a `pack` task gathers from its inputs' artifacts (renders,
speech, translation, source document): the videos and their manifest entries, the script and
languages, the voices, and what timed the words."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.jobs.speech_files import load_speech as _load_speech

#: How a narration's words were timed, as the manifest's models say it.
TIMED_BY_RECOGNISER = "whisper-base (faster-whisper)"
TIMED_BY_TRANSCRIPT = "none: the given transcript, aligned on the recording (espeak-ng reading, DTW)"


def packed_videos(inputs: Mapping[str, Path], names: Mapping[str, str], videos: Path) -> list[Any]:
    """Each rendered video (input `render:<label>`) linked into `videos` as `<name>.mp4` (`names`
    maps a label to the user's file name), with its manifest entry (`pipeline.pack.PackedVideo`)
    from the render's result.json; in label order."""
    from pipeline.pack import PackedVideo

    packed = []
    for role, path in sorted(inputs.items()):
        if not role.startswith("render:"):
            continue
        label = role.split(":", 1)[1]
        result = json.loads((path / "result.json").read_text())
        stem = names.get(label, label)
        target = videos / f"{stem}.mp4"
        link_or_copy(path / "video.mp4", target)
        packed.append(PackedVideo(presenter=stem, file=f"videos/{target.name}", renderer=result["renderer"],
                                  duration=round(float(result["duration"]), 3), fps=result["fps"],
                                  width=result["width"], height=result["height"],
                                  frames_without_face=int(result["frames_without_face"]),
                                  conversions=tuple(result.get("conversions") or ()),
                                  faces_in_frame=int(result.get("faces_in_frame", 1)),
                                  other_face_px=float(result.get("other_face_px", 0.0)),
                                  source_size=tuple(result.get("source_size") or ())))
    return packed


def pack_text(inputs: Mapping[str, Path], speech, extra: dict[str, Any]
               ) -> tuple[str, str | None, str | None, dict[str, str]]:
    """A pack's script, source and target languages and the models that made its words: from the
    translation step's output when there is one (adding the document's `segments` to `extra`),
    else from the narration's transcript."""
    if "translation" not in inputs:
        timing = inputs["speech"] / "timing.txt"
        # the narration's language, as given or detected (never `und`)
        return ((inputs["speech"] / "transcript.txt").read_text(encoding="utf-8"), speech.language, None,
                {"transcription": timing.read_text(encoding="utf-8") if timing.exists() else TIMED_BY_RECOGNISER})
    data = json.loads((inputs["translation"] / "translation.json").read_text(encoding="utf-8"))
    doc = load_document(inputs["source"]) if "source" in inputs else None
    if doc is not None:
        from pipeline.segments import reviewer_edits, segment_report

        extra["segments"] = segment_report(doc, translation_from_json(data), reviewer_edits(data["sentences"]))
    texts = {s["id"]: s["text"] for s in data["sentences"]}
    script = doc.render(texts, language=data["target_language"]) if doc is not None else "\n".join(texts.values())
    models = {"translation": f"{data['backend']}:{data['model']}"}
    timing = inputs["source"] / "timing.txt" if "source" in inputs else None
    if timing is not None and timing.exists():  # a recorded talk: what timed its words
        models["transcription"] = timing.read_text(encoding="utf-8")
    return script, data["source_language"], data["target_language"], models


def voices_entry(params: Mapping[str, Any], inputs: Mapping[str, Path], speech, folder: Path) -> dict[str, Any]:
    """The manifest's `voices` (per presenter: voice, reason, profile) and, when the language has
    several voices, `narrations`: narration-<voice>.wav for each, beside narration.wav (the first
    presenter's voice, which the subtitles follow too)."""
    from pipeline import steps
    from pipeline.jobs.artifacts import safe_name
    from pipeline.voicing import adaptation_entry

    records = dict(params.get("voices") or {})
    if not records:
        return {}
    for role, path in inputs.items():  # the adaptation each render applied
        done = json.loads((path / "result.json").read_text()).get("adaptation") if role.startswith("render:") else None
        stem = dict(params.get("names") or {}).get(role.split(":", 1)[-1])
        if done and stem in records:
            records[stem] = {**records[stem], "adaptation": adaptation_entry(done)}
    first = next(iter(dict(params.get("names") or {}).values()), None)
    out: dict[str, Any] = {"voices": records, "narration_voice": {
        "presenter": first, "voice": speech.voice,
        "note": "narration.wav and the subtitles are the speech of the first presenter's voice"}}
    others = sorted(role for role in inputs if role.startswith("speech:"))
    if others:
        files = []
        for role, loaded in [("speech", speech), *((r, _load_speech(inputs[r])) for r in others)]:
            name = f"narration-{safe_name(loaded.voice.replace(':', '-'))}.wav"
            steps.write_narration(loaded, folder / name)
            files.append({"file": name, "voice": loaded.voice, "duration": round(loaded.duration, 3),
                          "presenters": sorted(p for p, r in records.items() if r.get("voice") == loaded.voice)})
        out["narrations"] = files
    return out


def narration_source(inputs: Mapping[str, Path], names: Mapping[str, str]) -> Path:
    """The speech narration.wav and the subtitles follow: the first presenter's, as its render
    adapted it when it did (so they stay true to that video), else the language's first voice."""
    first = inputs.get(f"render:{next(iter(names), '')}")
    return first if first is not None and (first / "speech.json").is_file() else inputs["speech"]


def translation_from_json(data: Mapping[str, Any]):
    """A `translate.Translation` back from the translate task's translation.json."""
    from translate.results import TranslatedSentence, Translation

    sentences = tuple(TranslatedSentence(s["id"], s.get("source", ""), s["text"], tuple(s.get("flags") or ()))
                      for s in data["sentences"])
    return Translation(data["source_language"], data["target_language"], sentences, data["backend"], data.get("model"))


def load_document(folder: Path):
    with open(folder / "document.pickle", "rb") as f:
        return pickle.load(f)  # our own artifact, written by the same code version (see the key)


def link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def voice_id(backend: str, voice: str) -> str:
    """The voice as `polydub voices` names it ("kokoro:jf_nezumi"), whether the synthesizer
    reported the bare name or the whole id."""
    return voice if voice.startswith(f"{backend}:") else f"{backend}:{voice}"
