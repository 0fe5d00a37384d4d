"""Checks a job's inputs before anything heavy runs, so a bad input is refused in about a
second with one line instead of after minutes of presenter analysis or model loading.

    check_inputs(spec, toolkit)   # every check below that applies to a JobSpec
    InputChecks(runner_factory(config))(spec, paths=False)   # the same, through a service's runner

- presenters: probed (`lipsync.media.probe`: the first frame decodes) and a video, not an
  audio-only file; not cut off (`lipsync.media.check_complete`) unless `accept_truncated`;
- a recording or narrations: probed, with audio (and the asked `audio_track`), not cut off;
- a text script: read (`read_script`; with a given source language no line is clearly in
  another, unless `accept_mixed_language`) and, for each target language, every sentence has a way
  into it (`translate.Translator.check`: loads no model), so a script that mixes in a language
  no model translates fails naming its lines and languages.

From the command line every reference is a path on this machine (a missing one is refused);
for the service (`paths=False`) only references that are files here are probed, as its stored
inputs were probed when they were uploaded. Every refusal is `InputError` (`SpecError` for the
languages, checked first by `normalize_spec`).

`InputChecks` is the one way both front ends run these checks: `polydub localize`/`lipsync`/`run`
before they submit (`api.cli.jobrun.preflight`) and the HTTP service when a job, preview or
extension is submitted (`api.routes.jobs`), so a bad script is refused there with a 422 and the
same line, and no job is stored.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, wrap_leaf_errors


def check_presenter(path: str | os.PathLike, *, accept_truncated: bool = False):
    """Probe a presenter (video or photo); returns its `lipsync.media.MediaInfo`. Raises
    InputError for a file that is not a picture (audio only), that cannot be decoded, or that
    is cut off (unless `accept_truncated`)."""
    from lipsync import media

    with wrap_leaf_errors():
        info = media.probe(path)
        if info.video is None:
            raise InputError(f"{path}: has no picture (audio only); a presenter is a video (mp4, mov, mkv, webm, "
                             "avi) or a photo (jpg, png)")
        media.check_complete(path, accept_truncated=accept_truncated)
    return info


def check_audio(path: str | os.PathLike, *, track: int | None = None, accept_truncated: bool = False):
    """Probe a recording or narration (audio, or a video's sound); returns its MediaInfo.
    Raises InputError when it has no audio, has no track `track` (1-based), cannot be read
    or is cut off (unless `accept_truncated`)."""
    from lipsync import media

    with wrap_leaf_errors():
        info = media.probe(path)
        if info.audio is None:
            raise InputError(f"{path}: has no audio stream; give an audio file or a video with sound")
        if track is not None:
            count = len(media.list_audio_tracks(path))
            if not 1 <= track <= count:
                raise InputError(f"{path}: has {count} audio track(s), so there is no track {track}; "
                                 f"pick one from 1 to {count}")
        media.check_complete(path, accept_truncated=accept_truncated)
    return info


def check_script(text: str, languages: Iterable[str], toolkit, *, source_language: str | None = None,
                 translations: str | os.PathLike | None = None, accept_mixed_language: bool = False) -> None:
    """Read the script and check that each target language can be reached from every sentence
    (a `steps.Toolkit` supplies the translator; `translations` is a provided translations
    file), and that with `source_language` given no line is clearly another language unless
    `accept_mixed_language`. Loads no translation model. Raises InputError naming the lines
    and languages."""
    from pipeline import steps
    from pipeline.jobs.capabilities import fetch_hint
    from translate.errors import UnsupportedPairError

    doc = steps.read_script(text, source_language, accept_mixed_language=accept_mixed_language)
    source = source_language or doc.language
    for language in languages:
        provided = steps.provided_translations(translations, source, language) if translations else None
        translator = toolkit.translator_for(None, provided)
        try:
            with wrap_leaf_errors():
                translator.check(doc, source, language)
        except InputError as exc:  # a model the catalogue can download: say so (`polydub models fetch`)
            if isinstance(exc.__cause__, UnsupportedPairError) and fetch_hint(source, language):
                raise InputError(f"{exc}{fetch_hint(source, language)}") from exc.__cause__
            raise


def check_inputs(spec, toolkit, *, paths: bool = True) -> None:
    """Every check above that applies to `spec` (a `pipeline.jobs.spec.JobSpec`). `paths`:
    every file reference is a path on this machine (the command line), so a missing one is
    refused; else references that are not files here are left to the service."""
    truncated = bool(getattr(spec, "accept_truncated", False))
    for ref in spec.presenters:
        if _local(ref, "presenter", paths):
            check_presenter(ref, accept_truncated=truncated)
    audio: Mapping[str, str] = dict(spec.narrations)
    if spec.recording:
        audio = {"recording": spec.recording}
    for what, ref in audio.items():
        if _local(ref, "recording" if what == "recording" else "narration", paths):
            check_audio(ref, track=spec.audio_track, accept_truncated=truncated)
    # Provided translations the service stored (not a file here) may cover what no model does.
    if spec.text is not None and not spec.analyse_only and (not spec.translations or _is_file(spec.translations)):
        check_script(spec.text, spec.languages, toolkit, source_language=spec.source_language,
                     translations=spec.translations, accept_mixed_language=spec.accept_mixed_language)


def _local(ref: str, what: str, paths: bool) -> bool:
    if _is_file(ref):
        return True
    if paths:
        raise InputError(f"{ref}: no such {what} file; check the path")
    return False


def _is_file(ref: str) -> bool:
    try:
        return Path(ref).is_file()
    except (OSError, ValueError):
        return False


class InputChecks:
    """The pre-flight check of a job service's step runner: its own `preflight(spec, paths=)`
    (`PipelineRunner.preflight` calls `check_inputs` with its toolkit); a runner without one (the
    tests' cheap runners) checks nothing.

    `factory`: makes the runner (`pipeline.jobs.wiring.runner_factory(config)`), on the first
    check, and it is kept (its toolkit keeps the translator's routes); `runner`: one already in
    this process (the inline executor's) instead. One check at a time: a service answers
    submissions on several threads, and the toolkit is built lazily."""

    def __init__(self, factory: Callable[[], Any] | None = None, *, runner: Any = None):
        if factory is None and runner is None:
            raise ValueError("InputChecks needs a runner or a factory of one")
        self._factory = factory
        self._runner = runner
        self._lock = threading.Lock()

    def __call__(self, spec, *, paths: bool = True) -> None:
        """Check `spec` (a `JobSpec`); `paths` as for `check_inputs`. Its languages first, as a
        submission reads them (`normalize_spec`: a tag of no known language, two tags of one
        pack), before any file is probed. Raises InputError or SpecError in one line."""
        from pipeline.jobs.capabilities import normalize_spec

        normalize_spec(spec)
        with self._lock:
            if self._runner is None:
                self._runner = self._factory()
            check = getattr(self._runner, "preflight", None)
            if check is not None:
                check(spec, paths=paths)
