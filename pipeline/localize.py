"""The one-shot paths behind `polydub localize`, `polydub lipsync` and `polydub demo`.

`Localizer` runs the steps in this process, in order, with the leaves' models resident in
its `Toolkit`. A presenter that fails (no face, damaged file) is reported and the rest of
the batch carries on. The job service runs the same steps as a task graph instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import steps
from pipeline.errors import InputError, PipelineError
from pipeline.pack import LanguagePack, PackedVideo, video_entry, write_pack

log = logging.getLogger(__name__)

#: progress(task, done, total): one call per unit of work of a named task
Progress = Callable[[str, int, int], None]


def _no_progress(task: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class LocalizeResult:
    out_dir: Path
    packs: tuple[LanguagePack, ...]
    failures: tuple[steps.PresenterFailure, ...]
    renderer: str

    @property
    def ok(self) -> bool:
        return not self.failures and all(p.videos for p in self.packs)


class Localizer:
    """Script or narration in, one language pack per language out."""

    def __init__(self, toolkit: steps.Toolkit | None = None, *, renderer: str = "auto",
                 renderer_options: dict | None = None, progress: Progress | None = None):
        self.toolkit = toolkit or steps.Toolkit()
        self.renderer = renderer
        self.renderer_options = dict(renderer_options or {})
        self.progress = progress or _no_progress

    # ------------------------------------------------------------------ text to courses

    def localize(self, text: str, languages: Sequence[str], presenters: Sequence[str | Path],
                 out_dir: str | Path, *, source_language: str | None = None,
                 voices: dict[str, str] | None = None, rate: float = 1.0) -> LocalizeResult:
        if not text or not text.strip():
            raise InputError("the script is empty; give a text or Markdown file with sentences")
        if not languages:
            raise InputError("no target language given; pass --lang, e.g. --lang pt,en")
        presenters = self._checked_presenters(presenters)
        out_dir = Path(out_dir)
        doc = steps.read_script(text, source_language)
        # Translate every language first, so an unknown language fails before any render.
        translations = []
        for i, lang in enumerate(languages):
            self.progress("translate", i, len(languages))
            translations.append(steps.translate_script(doc, lang, self.toolkit, source_language=source_language))
        self.progress("translate", len(languages), len(languages))
        packs, failures = [], []
        for translation in translations:
            lang = translation.target_language
            self.progress(f"speak {lang}", 0, 1)
            speech = steps.speak(translation, doc, self.toolkit, voice=(voices or {}).get(lang), rate=rate)
            self.progress(f"speak {lang}", 1, 1)
            script = doc.render({s.id: s.text for s in translation.sentences})
            models = {
                "translation": f"{translation.backend}:{translation.model}",
                "speech": f"{speech.backend}:{speech.voice}",
                "face_landmarks": "mediapipe-face-landmarker",
            }
            pack, failed = self._render_pack(out_dir / lang, lang, speech, presenters, script, models,
                                             source_language=doc.language)
            packs.append(pack)
            failures.extend(failed)
        return LocalizeResult(out_dir, tuple(packs), tuple(failures), self.renderer)

    # ------------------------------------------------------------------ one audio, many videos

    def lipsync(self, audio_path: str | Path, presenters: Sequence[str | Path], out_dir: str | Path, *,
                transcript: str | None = None, language: str | None = None) -> LocalizeResult:
        presenters = self._checked_presenters(presenters)
        audio, rate = steps.load_audio(audio_path)
        if transcript is not None and not transcript.strip():
            raise InputError("the transcript is empty; give the words of the narration or leave it out")
        self.progress("transcribe", 0, 1)
        speech, heard = steps.narration(audio, rate, self.toolkit, language=language, transcript=transcript)
        self.progress("transcribe", 1, 1)
        script = transcript if transcript is not None else heard.text
        models = {"transcription": "whisper-base (faster-whisper)", "phonemes": "espeak-ng",
                  "face_landmarks": "mediapipe-face-landmarker"}
        pack, failures = self._render_pack(Path(out_dir), speech.language, speech, presenters, script, models)
        return LocalizeResult(Path(out_dir), (pack,), tuple(failures), self.renderer)

    # ------------------------------------------------------------------ shared

    def _checked_presenters(self, presenters: Sequence[str | Path]) -> list[Path]:
        if not presenters:
            raise InputError("no presenter given; pass --presenter with one or more videos or photos")
        paths = [Path(p) for p in presenters]
        for p in paths:
            if not p.exists():
                raise InputError(f"{p}: no such presenter file; check the path")
        return paths

    def _render_pack(self, folder: Path, language: str, speech, presenters: Sequence[Path],
                     script: str, models: dict[str, str], *, source_language: str | None = None):
        videos_dir = folder / "videos"
        videos_dir.mkdir(parents=True, exist_ok=True)
        steps.write_narration(speech, folder / "narration.wav")
        videos: list[PackedVideo] = []
        failures: list[steps.PresenterFailure] = []
        labels: list[str] = []
        renderers = set()
        for presenter in presenters:
            label = steps.presenter_label(presenter, labels)
            labels.append(label)
            task = f"render {language} {label}"
            try:
                result = steps.render(presenter, speech, videos_dir / f"{label}.mp4", self.toolkit,
                                      renderer=self.renderer, renderer_options=self.renderer_options,
                                      progress=lambda done, total, t=task: self.progress(t, done, total))
            except PipelineError as exc:
                log.warning("presenter %s failed: %s", presenter, exc)
                failures.append(steps.PresenterFailure(str(presenter), language, str(exc)))
                continue
            renderers.add(result.renderer)
            if result.frames_without_face:
                log.info("%s: %d frames had no face and passed through unchanged",
                         presenter, result.frames_without_face)
            videos.append(video_entry(label, result))
        models = {**models, "lipsync_renderer": ",".join(sorted(renderers)) or "none"}
        pack = write_pack(folder, language=language, speech=speech, script_text=script, videos=videos,
                          models=models, source_language=source_language,
                          failures=[f.__dict__ for f in failures])
        return pack, failures
