"""The real `StepRunner`: each task kind calls `pipeline.steps` and stores its result in the
artifact layout of `pipeline.jobs.executor`.

One runner lives in each worker process with one `steps.Toolkit`, so the translator, the
voices and the lip-sync engine load on the first task that needs them and stay loaded.
Leaf results cross task boundaries as files: the source document as a pickle (it is only
read back by the same code version, which is part of every key), translations as JSON (a
reviewer edits them), speech as float32 samples plus a JSON timeline, renders as MP4.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.errors import JobError
from pipeline.jobs.executor import ProgressFn, TaskCall
from pipeline.jobs.versions import LAYOUT_VERSION, leaf_version, steps_version
from pipeline.jobs.speech_files import load_speech as _load_speech
from pipeline.jobs.speech_files import save_speech as _save_speech

log = logging.getLogger(__name__)

#: How a narration's words were timed, as the manifest's models say it.
TIMED_BY_RECOGNISER = "whisper-base (faster-whisper)"
TIMED_BY_TRANSCRIPT = "none: the given transcript, aligned on the recording (espeak-ng reading, DTW)"

class PipelineRunner:
    """Runs each task kind through `pipeline.steps`; `models_dir` is the model store's root
    (default: `$POLYDUB_MODELS` or the user data folder), so imported models reach the leaves."""

    def __init__(self, data_dir: str | os.PathLike | None = None, *, cache_dir: str | os.PathLike | None = None,
                 toolkit=None, models_dir: str | os.PathLike | None = None):
        cache = cache_dir or (Path(data_dir) / "cache" if data_dir else None)
        self.cache_dir = Path(cache) if cache else None
        self.models_dir = Path(models_dir) if models_dir else None
        self._toolkit = toolkit
        self._versions: dict[str, str] | None = None
        self._cloners = None  # pipeline.cloning.Cloners: this process's cloning models, loaded on first use

    @property
    def toolkit(self):
        if self._toolkit is None:
            from pipeline import steps
            from pipeline.models import ModelStore

            self._toolkit = steps.Toolkit(store=ModelStore(self.models_dir), cache_dir=self.cache_dir)
        return self._toolkit

    def versions(self) -> Mapping[str, str]:
        if self._versions is None:
            base = f"polydub {__version__} layout {LAYOUT_VERSION} steps {steps_version()}"
            translate, tts, lipsync = (leaf_version(n) for n in ("translate", "tts", "lipsync"))
            self._versions = {
                "source": f"{base}; translate {translate}",
                "translate": f"{base}; translate {translate}; models {self._translation_models()}",
                "speak": f"{base}; tts {tts}",
                "narrate": f"{base}; translate {translate}; tts {tts}",
                "analyse": f"{base}; lipsync {lipsync}",
                "render": f"{base}; lipsync {lipsync}; tts {tts}",  # tts: the adaptation
                "pack": base,
            }
        return self._versions

    def _translation_models(self) -> str:
        """A digest of the store's translation models (their manifests), so importing or
        replacing a model gives new translation keys instead of reusing the old output."""
        import hashlib

        from pipeline.models import MANIFEST

        h = hashlib.sha256()
        for name, path in sorted(self.toolkit.store.translation_models().items()):
            manifest = path / MANIFEST
            h.update(name.encode())
            h.update(manifest.read_bytes() if manifest.is_file() else str(path).encode())
        return h.hexdigest()[:12]

    def preflight(self, spec, *, paths: bool = True) -> None:
        """Check a `JobSpec`'s inputs before any task runs (`pipeline.preflight.check_inputs`):
        probes presenters and audio, reads the script and checks every language can be
        reached. `paths`: every file reference is a path here (else stored inputs are left
        alone). Loads no model; raises InputError in one line."""
        from pipeline.preflight import check_inputs

        check_inputs(spec, self.toolkit, paths=paths)

    def run(self, call: TaskCall, out: Path, progress: ProgressFn) -> Mapping[str, Any]:
        inputs = {k: Path(v) for k, v in call.inputs.items()}
        table = {"source": self._source, "translate": self._translate, "speak": self._speak,
                 "narrate": self._narrate, "analyse": self._analyse, "render": self._render, "pack": self._pack}
        if call.kind not in table:
            raise JobError(f"the runner has no task kind {call.kind!r}")
        return table[call.kind](call, inputs, out, progress)

    # ------------------------------------------------------------------ text
    def _source(self, call, inputs, out, progress):
        from pipeline import steps

        language = call.params.get("language")
        if "recording" in inputs:
            audio, rate = steps.load_audio(_input_file(inputs["recording"]), track=call.params.get("audio_track"),
                                           accept_truncated=bool(call.params.get("accept_truncated")))
            transcript = call.params.get("transcript")
            progress(0.1, "aligning the given words" if transcript is not None else "transcribing the recording")
            _, heard = steps.narration(audio, rate, self.toolkit, language=language, transcript=transcript)
            doc = steps.read_script(transcript if transcript is not None else heard.text, heard.language)
            # What timed the words, for the packs' manifests (as a narration's: `_narrate`).
            (out / "timing.txt").write_text(TIMED_BY_TRANSCRIPT if transcript is not None else TIMED_BY_RECOGNISER,
                                            encoding="utf-8")
        else:
            doc = steps.read_script(call.params["text"], language,
                                    accept_mixed_language=bool(call.params.get("accept_mixed_language")))
        with open(out / "document.pickle", "wb") as f:
            pickle.dump(doc, f)
        (out / "document.json").write_text(json.dumps(
            {"language": doc.language, "sentences": [{"id": s.id, "text": s.text} for s in doc.sentences]},
            ensure_ascii=False), encoding="utf-8")
        return {"sentences": len(doc.sentences), "language": doc.language}

    def _translate(self, call, inputs, out, progress):
        from pipeline import steps

        doc = _load_doc(inputs["source"])
        lang = call.params["language"]
        source = call.params.get("source_language") or doc.language
        progress(0.0, f"translating into {lang}")
        provided = _provided(inputs, source, lang)
        translation = steps.translate_script(doc, lang, self.toolkit, source_language=source,
                                             glossary=call.params.get("glossary") or None, provided=provided)
        (out / "translation.json").write_text(json.dumps({
            "source_language": translation.source_language, "target_language": translation.target_language,
            "backend": translation.backend, "model": translation.model,
            "sentences": [{"id": s.id, "source": s.source, "text": s.text, "flags": list(s.flags)}
                          for s in translation.sentences]}, ensure_ascii=False, indent=1), encoding="utf-8")
        return {"backend": translation.backend, "target_language": translation.target_language}

    def _speak(self, call, inputs, out, progress):
        from pipeline import steps

        data = json.loads((inputs["translation"] / "translation.json").read_text(encoding="utf-8"))
        breaks = steps.paragraph_starts(_load_doc(inputs["source"])) if "source" in inputs else set()
        progress(0.0, f"voicing {data['target_language']}")
        texts, lang = [s["text"] for s in data["sentences"]], data["target_language"]
        options = {"paragraph_breaks": breaks, "voice": call.params.get("voice"),
                   "rate": float(call.params.get("rate") or 1.0), "progress": _fraction(progress, f"voicing {lang}")}
        if "reference" in inputs:  # a cloned voice: the presenter's own speech is the reference
            from pipeline.cloning import Cloners, speak_cloned

            self._cloners = self._cloners or Cloners(self.toolkit.store.cloning_models())
            speech = speak_cloned(texts, lang, reference=inputs["reference"], cloners=self._cloners, **options)
        else:
            speech = steps.speak(texts, lang, self.toolkit, **options)
        _save_speech(speech, out)
        return {"seconds": round(speech.duration, 3), "voice": speech.voice, "backend": speech.backend}

    def _narrate(self, call, inputs, out, progress):
        from pipeline import steps

        audio, rate = steps.load_audio(_input_file(inputs["audio"]), track=call.params.get("audio_track"),
                                       accept_truncated=bool(call.params.get("accept_truncated")))
        transcript = call.params.get("transcript")
        progress(0.1, "aligning the given words" if transcript is not None else "transcribing the narration")
        speech, heard = steps.narration(audio, rate, self.toolkit, language=call.params.get("language"),
                                        transcript=transcript)
        _save_speech(speech, out)
        (out / "transcript.txt").write_text(transcript if transcript is not None else heard.text, encoding="utf-8")
        # What timed the words, for the manifest: no recogniser runs when the words are given.
        (out / "timing.txt").write_text(TIMED_BY_TRANSCRIPT if transcript is not None else TIMED_BY_RECOGNISER,
                                        encoding="utf-8")
        return {"seconds": round(speech.duration, 3), "language": speech.language}

    # ------------------------------------------------------------------ video
    def _analyse(self, call, inputs, out, progress):
        from pipeline import steps

        video = _input_file(inputs["video"])
        analysis = steps.analyse(video, self.toolkit, progress=_fraction(progress, video.name),
                                 decode=steps.decode_options(call.params.get("decode")))
        report = _report(analysis, video)
        (out / "report.json").write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
        return {"face_share": report.get("face_share")}

    def _render(self, call, inputs, out, progress):
        from pipeline import steps
        from pipeline.pack import faces_in_view, rendered_picture

        video = _input_file(inputs["video"])
        speech, adaptation = _load_speech(inputs["speech"]), None
        if call.params.get("adapt"):  # toward this presenter's voice; the pack reads the speech back
            from pipeline.voicing import adapt_for_render

            adapted, adaptation = adapt_for_render(speech, call.params["adapt"])
            if adapted is not speech:
                speech = adapted
                _save_speech(speech, out)
        progress(0.0, video.name)
        result = steps.render(video, speech, out / "video.mp4", self.toolkit,
                              renderer=call.params.get("renderer", "auto"), progress=_fraction(progress, video.name),
                              max_seconds=call.params.get("max_seconds"), max_height=call.params.get("max_height"),
                              renderer_options=_renderer_options(call.params),
                              decode=steps.decode_options(call.params.get("decode")))
        # the manifest says what the file is (an odd width padded), the source's size beside it
        picture = rendered_picture(out / "video.mp4", video, result.width, result.height,
                                   (result.options or {}).get("conversions") or ())
        summary = {"renderer": result.renderer, "frames": result.frames, "fps": str(result.fps),
                   **picture, "duration": result.duration,
                   "frames_without_face": result.frames_without_face, "file": video.name,
                   **faces_in_view(inputs.get("analysis")),
                   **({"adaptation": adaptation} if adaptation is not None else {})}
        (out / "result.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
        return summary

    def _pack(self, call, inputs, out, progress):
        from pipeline import steps
        from pipeline.jobs.capabilities import pack_language
        from pipeline.pack import write_pack

        lang = call.params["language"]
        folder = out / "pack"
        (folder / "videos").mkdir(parents=True)
        names = dict(call.params.get("names") or {})
        speech = _load_speech(_narration_source(inputs, names))
        videos = _packed_videos(inputs, names, folder / "videos")
        steps.write_narration(speech, folder / "narration.wav")
        extra: dict[str, Any] = _voices_entry(call.params, inputs, speech, folder)
        script, source_language, target_language, models = _pack_text(inputs, speech, extra)
        models.update({"speech": voice_id(speech.backend, speech.voice), "face_landmarks": "mediapipe-face-landmarker",
                       "lipsync_renderer": ",".join(sorted({v.renderer for v in videos})) or "none"})
        # No job id in the manifest: a pack is shared by every job whose inputs are the same.
        # The language as the user knows it: the translator's tag (pt -> pt-BR), or the narration's
        # (detected when it was `und`) named the same way, so `lipsync` and `localize` say one tag.
        language = target_language or pack_language(speech.language or lang)
        pack = write_pack(folder, language=language, speech=speech, script_text=script,
                          videos=videos, models=models, source_language=source_language,
                          # a failed render of this pack is in its language as the user knows it, not `und`
                          failures=[{**f, "language": language} for f in call.params.get("failures") or ()],
                          extra=extra)
        os.replace(pack.zip_path, out / "pack.zip")
        return {"videos": len(videos)}


# ---------------------------------------------------------------------- helpers


def _packed_videos(inputs: Mapping[str, Path], names: Mapping[str, str], videos: Path) -> list[Any]:
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
        _link_or_copy(path / "video.mp4", target)
        packed.append(PackedVideo(presenter=stem, file=f"videos/{target.name}", renderer=result["renderer"],
                                  duration=round(float(result["duration"]), 3), fps=result["fps"],
                                  width=result["width"], height=result["height"],
                                  frames_without_face=int(result["frames_without_face"]),
                                  conversions=tuple(result.get("conversions") or ()),
                                  faces_in_frame=int(result.get("faces_in_frame", 1)),
                                  other_face_px=float(result.get("other_face_px", 0.0)),
                                  source_size=tuple(result.get("source_size") or ())))
    return packed


def _pack_text(inputs: Mapping[str, Path], speech, extra: dict[str, Any]
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
    doc = _load_doc(inputs["source"]) if "source" in inputs else None
    if doc is not None:
        from pipeline.segments import reviewer_edits, segment_report

        extra["segments"] = segment_report(doc, _translation(data), reviewer_edits(data["sentences"]))
    texts = {s["id"]: s["text"] for s in data["sentences"]}
    script = doc.render(texts, language=data["target_language"]) if doc is not None else "\n".join(texts.values())
    models = {"translation": f"{data['backend']}:{data['model']}"}
    timing = inputs["source"] / "timing.txt" if "source" in inputs else None
    if timing is not None and timing.exists():  # a recorded talk: what timed its words
        models["transcription"] = timing.read_text(encoding="utf-8")
    return script, data["source_language"], data["target_language"], models


def _voices_entry(params: Mapping[str, Any], inputs: Mapping[str, Path], speech, folder: Path) -> dict[str, Any]:
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


def _narration_source(inputs: Mapping[str, Path], names: Mapping[str, str]) -> Path:
    """The speech narration.wav and the subtitles follow: the first presenter's, as its render
    adapted it when it did (so they stay true to that video), else the language's first voice."""
    first = inputs.get(f"render:{next(iter(names), '')}")
    return first if first is not None and (first / "speech.json").is_file() else inputs["speech"]


def _input_file(folder: Path) -> Path:
    meta = json.loads((folder / "meta.json").read_text())
    return folder / meta["name"]


def _renderer_options(params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The renderer's options without the file digests the service adds for the task key."""
    options = {k: v for k, v in (params.get("renderer_options") or {}).items() if not k.endswith("_sha256")}
    return options or None


def _provided(inputs: Mapping[str, Path], source: str, target: str) -> dict[str, Path] | None:
    """The provided translations file of the task, keyed as `steps.provided_translations` says."""
    if "translations" not in inputs:
        return None
    from pipeline import steps

    return steps.provided_translations(_input_file(inputs["translations"]), source, target)


def _translation(data: Mapping[str, Any]):
    """A `translate.Translation` back from the translate task's translation.json."""
    from translate.results import TranslatedSentence, Translation

    sentences = tuple(TranslatedSentence(s["id"], s.get("source", ""), s["text"], tuple(s.get("flags") or ()))
                      for s in data["sentences"])
    return Translation(data["source_language"], data["target_language"], sentences, data["backend"], data.get("model"))


def _load_doc(folder: Path):
    with open(folder / "document.pickle", "rb") as f:
        return pickle.load(f)  # our own artifact, written by the same code version (see the key)


def _fraction(progress: ProgressFn, message: str):
    """A per-item progress callback reporting whole percents only: each report is a job-store
    write (a per-frame one cost a minute's render 1570 database transactions)."""
    last = [-1]

    def step(done: int, total: int) -> None:
        percent = (100 * done) // total if total else 0
        if percent != last[0]:
            last[0] = percent
            progress(done / total if total else 0.0, message)

    return step


def _report(analysis, video: Path) -> dict[str, Any]:
    try:
        from lipsync.report import presenter_report

        return presenter_report(analysis).to_dict()
    except ImportError:
        return {"file": video.name, "frames": int(getattr(analysis, "n_frames", 0))}


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def voice_id(backend: str, voice: str) -> str:
    """The voice as `polydub voices` names it ("kokoro:jf_nezumi"), whether the synthesizer
    reported the bare name or the whole id."""
    return voice if voice.startswith(f"{backend}:") else f"{backend}:{voice}"
