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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.errors import JobError
from pipeline.jobs.executor import ProgressFn, TaskCall
from pipeline.jobs.versions import LAYOUT_VERSION, leaf_version, steps_version
from pipeline.jobs.speech_files import load_speech as _load_speech
from pipeline.jobs.speech_files import save_speech as _save_speech
from pipeline.jobs.pack_parts import (
    TIMED_BY_RECOGNISER, TIMED_BY_TRANSCRIPT, load_document, narration_source, pack_text, packed_videos, voice_id,
    voices_entry,
)

log = logging.getLogger(__name__)


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

        doc = load_document(inputs["source"])
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
        breaks = steps.paragraph_starts(load_document(inputs["source"])) if "source" in inputs else set()
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
        speech = _load_speech(narration_source(inputs, names))
        videos = packed_videos(inputs, names, folder / "videos")
        steps.write_narration(speech, folder / "narration.wav")
        extra: dict[str, Any] = voices_entry(call.params, inputs, speech, folder)
        script, source_language, target_language, models = pack_text(inputs, speech, extra)
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
