"""A voice per presenter: the presenter's voice profile from their own track, and the choice of a
synthetic voice for them in each language (the job runner calls these when it analyses a presenter).

    profile = presenter_voice_profile("presenter.mp4")                # measured, or declared/default
    choice = presenter_voice_choice(profile, "pt", presenter="a.mp4", overrides=spec_voices)
    choice.voice, choice.reason                                        # recorded in the manifest
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from pipeline.atomic import write_text_atomic
from pipeline.errors import wrap_leaf_errors
from pipeline.models import ModelStore

log = logging.getLogger(__name__)


def presenter_voice_profile(path: str | os.PathLike, *, declared: str | None = None, encoder=None):
    """The presenter's `tts.VoiceProfile`.

    Measured from the file's first audio track when it holds at least 2 s of speech (the dominant
    speaker when two are heard). A presenter without usable speech (a photo, a silent clip, music,
    too short) gets `declared` ("female", "male" or a voice id) or the language default, and the
    profile's notes say why. `declared` also overrides a measured register (the user knows best);
    the measured pitch and embedding are kept for adaptation. `encoder`: a `tts.SpeakerEncoder` to
    reuse across presenters (loading one takes about a second). Raises InputError when the file
    does not exist; a file without an audio track or speech is not an error.
    """
    import tts
    from lipsync.errors import MediaError
    from lipsync.media import is_photo, read_audio
    from tts.profile import NoSpeechError

    from pipeline.errors import InputError

    path = Path(path)
    if not path.is_file():
        raise InputError(f"presenter {path} does not exist: give the path of a video or photo")
    if is_photo(path):  # no sound by nature: nothing to note ("has no audio stream" read as a fault)
        return tts.declared_profile(declared)
    with wrap_leaf_errors():
        try:
            audio, rate = read_audio(path, tts.profile.ANALYSIS_RATE)  # 16 kHz: what the analysis uses
            measured = tts.voice_profile(audio, rate, encoder=encoder)
        except (MediaError, NoSpeechError) as exc:
            reason = str(exc)
            fallback = tts.declared_profile(declared)
            log.info("%s: %s; %s", path.name, reason, fallback.notes[0])
            return _with_note(fallback, f"{path.name}: {reason}")
    if declared is None:
        return measured
    return _declared_over(measured, declared)


def _with_note(profile, note: str):
    from dataclasses import replace

    return replace(profile, notes=(note, *profile.notes))


def _declared_over(measured, declared: str):
    """A measured profile with the user's declaration on top (register or voice id)."""
    from dataclasses import replace

    import tts

    stated = tts.declared_profile(declared)
    if stated.voice:
        return replace(measured, source="declared", voice=stated.voice, notes=(*measured.notes, *stated.notes))
    heard = f"measured {measured.register}, median F0 {measured.f0_median_hz:.0f} Hz"
    return replace(measured, source="declared", register=stated.register,
                   notes=(*measured.notes, f"declared {stated.register} ({heard})"))


def voice_override(overrides: Mapping[str, object] | None, presenter: str | os.PathLike | None,
                   language: str) -> str | None:
    """The user's voice for this presenter and language from a job spec's `voices` field, or None.

    Two forms, mixable: `{presenter: {language: voice}}` (presenter = its id, file name, stem or
    path) and `{language: voice}` (every presenter); the per-presenter entry wins. A language key
    matches its exact BCP-47 tag first, then the base language ("pt" for "pt-BR").
    """
    from tts.languages import base, canonical

    if not overrides:
        return None
    tag = canonical(language).lower()

    def pick(table: Mapping[str, object]) -> str | None:
        by_tag = {canonical(str(k)).lower(): v for k, v in table.items() if isinstance(v, str)}
        found = by_tag.get(tag) or by_tag.get(base(tag))
        return str(found) if found else None

    if presenter is not None:
        p = Path(presenter)
        names = {str(presenter), p.name, p.stem}
        for key, table in overrides.items():
            if isinstance(table, Mapping) and key in names:
                found = pick(table)
                if found:
                    return found
    return pick(overrides)


def presenter_voice_choice(profile, language: str, *, presenter: str | os.PathLike | None = None,
                           overrides: Mapping[str, object] | None = None, catalog=None, samples=None):
    """The `tts.VoiceChoice` (voice id and reason) for one presenter in one language.

    `overrides`: the job spec's `voices` (see `voice_override`). `catalog`: a `tts.VoiceCatalog` to
    share; `samples`: a `tts.VoiceSamples` (speaker embeddings of the candidate voices, cached in its
    folder) so the closest voice is found by embedding, not only by register. Raises InputError for
    an unknown voice id (the message names the installed ones).
    """
    import tts

    with wrap_leaf_errors():
        catalog = catalog or tts.VoiceCatalog(ModelStore().speech_models())
        override = voice_override(overrides, presenter, language)
        return tts.choose_voice(profile, language, catalog, override=override, samples=samples)


#: the key of a voice record (`PresenterVoices.resolve`) holding the render's `adaptation_target`;
#: the planner moves it into the render task's params, the manifest never sees it
ADAPT_TARGET = "adapt_target"


def voice_record(profile, choice, adaptation=None) -> dict:
    """What a manifest records for one presenter in one language: the profile's summary (no
    embedding), the chosen voice and why, and the adaptation: a `tts.Adaptation` applied, None
    (none), or a "not adapted: why" line."""
    summary = {k: v for k, v in profile.to_dict().items() if k != "embedding"}
    for key in ("f0_median_hz", "f0_low_hz", "f0_high_hz", "syllable_rate"):
        if summary.get(key) is not None:
            summary[key] = round(summary[key], 2)
    plan = adaptation.to_dict() if hasattr(adaptation, "to_dict") and adaptation.changed else None
    return {"profile": summary, "voice": choice.voice, "reason": choice.reason, "register": choice.register,
            "similarity": None if choice.similarity is None else round(choice.similarity, 4), "wer": choice.wer,
            "adaptation": adaptation_entry(adaptation if isinstance(adaptation, str) else plan)}


def adaptation_entry(done: Mapping[str, Any] | str | None) -> dict[str, Any]:
    """A manifest's `adaptation`, one schema whatever happened: {"applied": true, "why": null,
    and the `tts.Adaptation` fields (pitch_shift_st, formant_ratio, ...)}, or {"applied": false,
    "why": "not adapted: ..." or null when nothing needed changing}. (It was the Adaptation's
    dict in one pack and the why string in another.)"""
    if isinstance(done, Mapping):
        return {"applied": True, "why": None, **{k: v for k, v in done.items() if k not in ("applied", "why")}}
    return {"applied": False, "why": done}


def adaptation_target(profile, language: str) -> tuple[dict | None, str | None]:
    """What a render needs to move its speech toward this presenter in `language`: (target, None),
    or (None, "not adapted: why") when the presenter's pitch was not measured, their declared
    register contradicts it, or the language has no measured bound (`tts.adapt.LANGUAGE_BOUNDS`).

    target: JSON types, part of the render task's params (so of its key): the presenter's median,
    10th and 90th percentile F0 (Hz), syllables per second, speaker embedding (256 floats, or
    None) and the language's bound (`tts.adapt.LanguageBound` fields)."""
    from tts.adapt import not_adapted_reason, options_for
    from tts.profile import register_for

    if not profile.f0_median_hz:
        return None, f"not adapted: the presenter's pitch was not measured ({profile.source} profile)"
    heard = register_for(profile.f0_median_hz)
    if profile.register != "unknown" and heard not in (profile.register, "unknown"):
        return None, f"not adapted: declared {profile.register}, but the presenter's voice measures {heard}"
    options = options_for(language)
    if options is None:
        return None, not_adapted_reason(language)

    def r(x, n=2):
        return None if x is None else round(float(x), n)

    return {"f0_median_hz": r(profile.f0_median_hz), "f0_low_hz": r(profile.f0_low_hz),
            "f0_high_hz": r(profile.f0_high_hz), "syllable_rate": r(profile.syllable_rate, 3),
            "embedding": [r(x, 5) for x in profile.embedding] if profile.embedding else None,
            "bounds": {"max_pitch_shift_st": options.max_pitch_shift_st,
                       "max_formant_ratio": options.max_formant_ratio,
                       "max_rate_change": options.max_rate_change}}, None


def adapt_for_render(speech, target: Mapping[str, object], encoder=None):
    """(speech moved toward the presenter `target` describes (`adaptation_target`), what was done
    for the manifest): the `tts.Adaptation` as a dict, or "not adapted: why" when no setting within
    the bound brought the voice closer to the presenter (the speech is then returned as it came).
    The phoneme, word and sentence timings are scaled with the audio (`tts.adapt_speech`).
    `encoder`: a `tts.SpeakerEncoder` to reuse. Raises InputError (from a SpeechError) when the
    speech cannot be measured."""
    from dataclasses import replace

    import tts
    from tts.profile import VoiceProfile, register_for

    embedding = target.get("embedding")
    presenter = VoiceProfile("speech", register=register_for(target["f0_median_hz"]),
                             f0_median_hz=target["f0_median_hz"], f0_low_hz=target.get("f0_low_hz"),
                             f0_high_hz=target.get("f0_high_hz"), syllable_rate=target.get("syllable_rate"),
                             embedding=tuple(embedding) if embedding else None)
    options = replace(tts.AdaptOptions(), **dict(target["bounds"]))
    with wrap_leaf_errors():
        adapted, plan = tts.adapt_speech(speech, presenter, options=options,
                                         encoder=encoder if encoder is not None or not embedding else tts.SpeakerEncoder())
    if plan is None or not plan.changed:
        closest = f" (speaker similarity {plan.similarity_before:.2f})" if plan and plan.similarity_before else ""
        return speech, f"not adapted: no setting within the bound brought {speech.voice} closer to the presenter{closest}"
    return adapted, plan.to_dict()


#: override values that declare the presenter's register instead of naming a voice
REGISTERS = ("female", "male")


class PresenterVoices:
    """The voice of every presenter in every language of a job, resolved when it is submitted.

    Each presenter's `tts.VoiceProfile` is computed once per file content and kept as JSON in
    `cache_dir/<digest>.json` (re-submitting reads it back in milliseconds). `profile_fn` is
    `presenter_voice_profile` unless a test gives a cheaper one. The catalog is loaded on first use.
    """

    def __init__(self, cache_dir: str | os.PathLike, *, profile_fn=None, catalog=None, samples=None):
        self.cache_dir = Path(cache_dir)
        self.profile_fn = profile_fn or presenter_voice_profile
        self._catalog = catalog
        self._samples = samples
        # made once however many threads ask first (the service's warm-up and a submission), so
        # every caller shares one VoiceSamples and a sample is never made twice
        self._making = threading.Lock()

    def samples(self):
        """The candidate voices' samples (`tts.VoiceSamples`): their own profiles, so a measured
        presenter gets the closest voice by speaker embedding, and the audio the voice menu plays;
        one sample per voice and language, kept in `cache_dir/samples`
        (`pipeline.voicing_samples.SampleFiles`), made on first use or warmed ahead."""
        import tts

        from pipeline.voicing_samples import SampleFiles

        with self._making:
            if self._samples is None:
                # the synthesizer sees the store's voices, as the catalogue that offers them does
                synthesizer = tts.Synthesizer(model_paths=ModelStore().speech_models())
                self._samples = tts.VoiceSamples(synthesizer=synthesizer,
                                                 store=SampleFiles(self.cache_dir / "samples"))
            return self._samples

    def catalog(self):
        import tts

        with self._making:
            if self._catalog is None:
                self._catalog = tts.VoiceCatalog(ModelStore().speech_models())
            return self._catalog

    def profile(self, path: str | os.PathLike, digest: str):
        """The presenter's profile, from the cache when this content was seen before. Notes name
        the file, never the folder it was read from."""
        import json

        from tts.profile import VoiceProfile

        cached = self.cache_dir / f"{digest}.json"
        if cached.is_file():
            return VoiceProfile.from_dict(json.loads(cached.read_text(encoding="utf-8")))
        from dataclasses import replace

        path = Path(path)
        profile = self.profile_fn(path)
        notes = (n.replace(f"{path.name}: {path}", path.name).replace(str(path), path.name) for n in profile.notes)
        profile = replace(profile, notes=tuple(notes))
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(cached, json.dumps(profile.to_dict()))
        return profile

    def choose(self, profile, language: str, override: str | None, *, by_user: bool = True):
        """(choice, profile as declared) for one presenter and language, or (None, profile) when no
        voice speaks the language here (the speech task then takes the language default).

        An override `by_user` is said as the user's choice (USER_CHOSEN, "LANG=VOICE in the job's voices"),
        with the automatic reason after it when it is the voice that would be chosen anyway. Not
        `by_user` (a voice chosen automatically, carried in the resolved spec of a rerun): an
        override equal to the automatic choice keeps the automatic reason, so a rerun records the
        same reasons."""
        from dataclasses import replace

        from pipeline.errors import InputError

        if override and override.lower() in REGISTERS:
            profile, override = declare(profile, override.lower()), None
        # Only a measured voice has an embedding to compare (a declared one is chosen by register).
        samples = self.samples() if profile.embedding is not None else None
        try:
            auto = presenter_voice_choice(profile, language, catalog=self.catalog(), samples=samples)
        except InputError as exc:
            if override is None:
                log.info("no voice chosen for %s: %s", language, exc)
                return None, profile
            auto = None
        if override is None:
            return auto, profile
        chosen = presenter_voice_choice(profile, language, overrides={language: override}, catalog=self.catalog())
        spoken = self.catalog().find(chosen.voice).languages
        if not any(_primary(tag) == _primary(language) for tag in spoken):
            raise InputError(f"{chosen.voice} does not speak {language}; it speaks {', '.join(spoken)}; "
                             f"pick another with `polydub voices --lang {language}`")
        if auto is not None and auto.voice == chosen.voice:
            if not by_user:
                return auto, profile
            return replace(auto, reason=f"{_user_reason(chosen.voice, language)}; also the automatic choice: "
                                        f"{auto.reason}"), profile
        return replace(chosen, reason=_user_reason(chosen.voice, language)), profile

    def resolve(self, presenters, languages, overrides: Mapping[str, object] | None, *,
                automatic: Collection[tuple[str, str]] = ()):
        """({key: {language: voice}}, {key: {language: voice_record}}) for a job's presenters; each
        record also holds the render's `adaptation_target` under ADAPT_TARGET. `automatic`:
        (presenter key, language) pairs whose override was chosen automatically by an earlier run
        (a rerun's resolved spec), not by the user (see `choose`).

        presenters: (names, key, path) per presenter, `names` the references a user may key an
        override by (the reference given, the file name, the stored key). Raises SpecError for an
        override naming no presenter of the job, InputError (one line naming the installed voices)
        for an unknown voice id."""
        from pipeline.errors import InputError
        from pipeline.jobs.spec import SpecError

        overrides = dict(overrides or {})
        per_presenter = {k: v for k, v in overrides.items() if isinstance(v, Mapping)}
        per_language = {k: v for k, v in overrides.items() if not isinstance(v, Mapping)}
        known = {str(n) for names, _, _ in presenters for n in _ref_names(names)}
        stray = sorted(k for k in per_presenter if k not in known)
        if stray:
            shown = ", ".join(sorted({Path(str(names[0])).name for names, _, _ in presenters}))
            raise SpecError(f"voices: {', '.join(stray)} is none of the job's presenters ({shown})")
        voices: dict[str, dict[str, str]] = {}
        records: dict[str, dict[str, dict]] = {}
        for names, key, path in presenters:
            profile = self.profile(path, key)
            mine = {k: v for k, v in per_presenter.items() if k in {str(n) for n in _ref_names(names)}}
            for lang in languages:
                override = _first(mine, lang) or voice_override(per_language, None, lang)
                try:
                    choice, declared = self.choose(profile, lang, override, by_user=(key, lang) not in automatic)
                except InputError as exc:
                    raise InputError(f"voices: {Path(str(names[0])).name} {lang}: {exc}") from None
                if choice is not None:
                    voices.setdefault(key, {})[lang] = choice.voice
                    target, why = adaptation_target(declared, lang)
                    records.setdefault(key, {})[lang] = {**voice_record(declared, choice, why),
                                                         ADAPT_TARGET: target}
        return voices, records


#: what a voice record's reason says when the user gave the voice (`PresenterVoices.choose`)
USER_CHOSEN = "chosen by the user"


def _user_reason(voice: str, language: str) -> str:
    # The choice reaches here as the spec's `voices`, whichever way it was given; the reason names
    # both ways rather than "--voice", which a job file or an API job has not (fresh4 finding 11).
    return (f"{voice}: {USER_CHOSEN} ({language}={voice} in the job's voices: --voice on the command line, "
            "the voices field of a job file or API job)")


def _primary(tag: str) -> str:
    """The primary subtag, lower case ("pt" of "pt-BR", "pt_br")."""
    return tag.replace("_", "-").split("-")[0].lower()


def _ref_names(names) -> set[str]:
    out: set[str] = set()
    for n in names:
        p = Path(str(n))
        out |= {str(n), p.name, p.stem}
    return out


def _first(tables: Mapping[str, Mapping[str, object]], language: str) -> str | None:
    for table in tables.values():
        found = voice_override(table, None, language)
        if found:
            return found
    return None


def declare(profile, register: str):
    """The profile with the user's register on top ("female"/"male"), measured or not."""
    import tts

    if profile.source == "speech":
        return _declared_over(profile, register)
    stated = tts.declared_profile(register)
    return _with_note(stated, profile.notes[0]) if profile.notes else stated
