"""Voice samples on disk, and making them ahead ("warming") so the first job does not wait.

To choose a voice by speaker similarity, submission needs every candidate voice's own profile
(`tts.VoiceSamples`), and the voice menu plays each voice's sample: one sample per (voice,
language) serves both, kept in `<data>/voices/samples/` as `<name>.wav` (16-bit PCM at the voice's
rate; the menu serves it) and `<name>.json` (its measured `tts.VoiceProfile`), both written whole
(`pipeline.atomic`).

    files = SampleFiles(data_dir / "voices" / "samples")
    report = warm_samples(presenter_voices, ["pt", "es"], progress=callback)   # the CLI step
    warmer = SampleWarmer(presenter_voices); warmer.start(); warmer.status()   # the service

Warming makes the samples of every voice a job may choose (`tts.intelligible_voices`) in each
language with a sample text (`tts.samples.SAMPLE_TEXT`: en, pt, es, it, de, fr). It runs in the
background (`background=True`): a submission that needs a sample goes first, and one the warmer
is making is made once, through the same `tts.VoiceSamples`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.atomic import atomic_path, write_text_atomic
from pipeline.errors import wrap_leaf_errors

if TYPE_CHECKING:
    from tts.profile import VoiceProfile
    from tts.types import VoiceInfo

log = logging.getLogger(__name__)


class SampleFiles:
    """A `tts.samples.SampleStore` on a folder: `<name>.wav` and `<name>.json`, written whole
    through a unique temporary (two processes making one sample never collide; a reader never
    sees half a file). The folder is made on the first write."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def audio_path(self, name: str) -> Path:
        return self.folder / f"{name}.wav"

    def read_audio(self, name: str) -> tuple[np.ndarray, int] | None:
        path = self.audio_path(name)
        if not path.is_file():
            return None
        import soundfile

        audio, rate = soundfile.read(path, dtype="float32", always_2d=False)
        return np.asarray(audio, dtype=np.float32).reshape(-1), int(rate)

    def write_audio(self, name: str, audio: np.ndarray, sample_rate: int) -> None:
        import soundfile

        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.audio_path(name)) as tmp:
            soundfile.write(tmp, np.asarray(audio, dtype=np.float32), sample_rate, subtype="PCM_16", format="WAV")

    def read_profile(self, name: str) -> VoiceProfile | None:
        from tts.profile import VoiceProfile

        path = self.folder / f"{name}.json"
        return VoiceProfile.from_json(path.read_text(encoding="utf-8")) if path.is_file() else None

    def write_profile(self, name: str, profile: VoiceProfile) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.folder / f"{name}.json", profile.to_json())


#: the languages warming covers when none are named: those with a sample text
def sample_languages() -> tuple[str, ...]:
    from tts.samples import SAMPLE_TEXT

    return tuple(SAMPLE_TEXT)


def candidates(catalog, languages: Iterable[str]) -> list[tuple[VoiceInfo, str]]:
    """(voice, language) for every voice a job may choose in each language that has a sample
    text (`tts.intelligible_voices`), in language order. Raises InputError for a language no
    installed voice speaks."""
    import tts

    out = []
    with wrap_leaf_errors():
        for language in languages:
            catalog.default_voice(language)  # an unknown language is an error, with or without a text
            if tts.VoiceSamples.text(language) is None:
                continue
            out.extend((voice, language) for voice, _ in tts.intelligible_voices(language, catalog))
    return out


def languages_to_warm(voices, spec) -> list[str]:
    """The languages (pack tags) whose samples a submission of `spec` (a `JobSpec`) will read:
    synthesized speech, a language without a voice given for every presenter, and a presenter
    that speaks (a video whose profile, kept by content so the submission reads it back, has a
    speaker embedding; a photo has no voice to match). [] otherwise, or when `voices` (the
    service's `PresenterVoices`) keeps no samples."""
    from lipsync.media import is_photo
    from pipeline.jobs.capabilities import pack_language
    from pipeline.jobs.spec import UNDETERMINED
    from pipeline.models.files import sha256_file

    if spec.analyse_only or spec.narrations or not hasattr(voices, "samples"):
        return []
    videos = [Path(p) for p in spec.presenters if Path(p).is_file() and not is_photo(p)]
    if not any(voices.profile(p, sha256_file(p)).embedding is not None for p in videos):
        return []
    given = {lang for lang in spec.languages if spec.voice(lang)} if not spec.per_presenter_voices() else set()
    return [pack_language(lang) for lang in spec.languages if lang not in given and lang != UNDETERMINED]


def samples_to_make(voices, languages: Sequence[str]) -> int:
    """How many candidate samples (`candidates`) of `languages` are not kept yet through `voices`
    (a `pipeline.voicing.PresenterVoices`): each costs a synthesis and a measure, a kept one a
    file read. Every candidate counts when `voices` keeps no readable store. Raises InputError
    for a language no installed voice speaks."""
    samples = voices.samples()
    todo = candidates(voices.catalog(), languages)
    store, name = getattr(samples, "store", None), getattr(samples, "name", None)
    if store is None or name is None:
        return len(todo)
    return sum(1 for voice, language in todo
               if (n := name(voice, language)) is not None and store.read_profile(n) is None)


@dataclass(frozen=True)
class WarmReport:
    """What a warm-up did: `made` samples profiled (made now or found kept), `failed` as
    "voice (language): why", `skipped` languages without a sample text (their voices are chosen
    by register and measured WER, never by speaker similarity), `seconds` of wall time, `total`
    samples it was to make and `stopped` when `stop` ended it before the last (then
    `made + len(failed) < total`)."""

    made: int
    failed: tuple[str, ...]
    seconds: float
    skipped: tuple[str, ...] = ()
    total: int = 0
    stopped: bool = False


#: progress(done, total, "voice (language)") after each sample
Progress = Callable[[int, int, str], None]


def warm_samples(voices, languages: Sequence[str] | None = None, *, progress: Progress | None = None,
                 stop: threading.Event | None = None, background: bool = False) -> WarmReport:
    """Make and profile the sample of every candidate voice (`candidates`) of `languages` (all
    with a sample text when None) through `voices` (a `pipeline.voicing.PresenterVoices`, or
    anything with its `catalog()` and `samples()`), so submissions read them. Samples already
    kept cost a file read. A sample that fails is reported, not raised; `stop` ends the
    warm-up between samples. Raises InputError for a language no installed voice speaks."""
    import tts

    started = time.monotonic()
    languages = list(languages or sample_languages())
    todo = candidates(voices.catalog(), languages)
    samples = voices.samples()
    failed: list[str] = []
    tried = 0  # samples attempted: fewer than len(todo) when `stop` ends the warm-up early
    for done, (voice, language) in enumerate(todo, start=1):
        if stop is not None and stop.is_set():
            break
        tried = done
        what = f"{voice.id} ({language})"
        try:
            with wrap_leaf_errors():
                samples.profile(voice, language, background=background)
        except Exception as exc:  # one voice that cannot speak must not stop the others; said below
            failed.append(f"{what}: {' '.join(str(exc).split())}")
            log.warning("voice sample %s failed: %s", what, exc)
        if progress is not None:
            progress(done, len(todo), what)
    skipped = tuple(lang for lang in languages if tts.VoiceSamples.text(lang) is None)
    return WarmReport(tried - len(failed), tuple(failed), time.monotonic() - started, skipped, total=len(todo),
                      stopped=tried < len(todo))


@dataclass
class _Status:
    state: str = "idle"
    done: int = 0
    total: int = 0
    current: str = ""
    failed: list[str] = field(default_factory=list)
    seconds: float | None = None


class SampleWarmer:
    """Warms the voice samples in a background thread (the service, at start-up), logging its
    progress and answering `status()` (the service's `/health`). `stop()` ends it between samples."""

    def __init__(self, voices, languages: Sequence[str] | None = None):
        self.voices = voices
        self.languages = languages
        self._status = _Status()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ended = False  # the warm-up's last line is said: once, by stop() or the thread

    def start(self) -> None:
        """Start warming in a thread. The voices' `samples()` is made here, before any request
        is served, so the warm-up and every submission share one `tts.VoiceSamples`."""
        self.voices.samples()
        self._set(state="warming")
        self._thread = threading.Thread(target=self._run, name="voice-samples", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """End the warm-up between samples, waiting up to `timeout` s for the one being made.
        If it is still being made, what was made is said now: the process may end first."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                status = self.status()
                self._say_end("voice samples: %d of %d made before the service stopped (one more was being made)",
                              status["done"], status["total"])

    def _say_end(self, message: str, *args: Any) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = True
        log.info(message, *args)

    def status(self) -> dict[str, Any]:
        """{state: idle, warming, ready, stopped (by `stop()` before the last) or failed; done,
        total: samples; current: "voice (language)" last made; failed: ["voice (language): why"];
        seconds: when ready or stopped}."""
        with self._lock:
            return asdict(self._status)  # a copy (its failed list too)

    def _set(self, **values: Any) -> None:
        with self._lock:
            for k, v in values.items():
                setattr(self._status, k, v)

    def _progress(self, done: int, total: int, what: str) -> None:
        self._set(done=done, total=total, current=what)
        log.info("voice samples: %d/%d (%s)", done, total, what)

    def _run(self) -> None:
        log.info("warming voice samples (each voice a job may choose, once per install)")
        try:
            report = warm_samples(self.voices, self.languages, progress=self._progress, stop=self._stop,
                                  background=True)
        except Exception as exc:  # the service runs on; jobs then make the samples they need
            self._set(state="failed", failed=[str(exc)])
            log.warning("voice samples not warmed: %s", exc)
            return
        self._set(state="stopped" if report.stopped else "ready", failed=list(report.failed),
                  seconds=round(report.seconds, 1))
        failed = f", {len(report.failed)} failed" if report.failed else ""
        if report.stopped:  # "ready: 18" after 11 of 18 would be false: say what was made
            self._say_end("voice samples: %d of %d made before the service stopped (%.1f s%s)", report.made,
                          report.total, report.seconds, failed)
        else:
            self._say_end("voice samples ready: %d in %.1f s%s", report.made, report.seconds, failed)
