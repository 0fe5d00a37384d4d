"""Cloned voices in jobs (issue 16 item 4): where the user has installed a cloning model, each
presenter with usable speech speaks in their own voice.

At submission `CloningVoices.resolve` (the service's voice resolver, wrapping
`pipeline.voicing.PresenterVoices`) picks each presenter's speaker reference, the cleanest 6-15 s
of their own speech (`tts.reference.choose_reference`), stores it as an input (`reference.wav`)
and gives the presenter the voice `clone:<backend>@<the clip's SHA-256>` in every language the
model speaks: the clip is part of the job's identity. A user's voice for that presenter and
language still wins; without a cloning model nothing changes. The plan gives that speech task the
clip as its `reference` input (`reference_inputs`), and the runner speaks it with
`speak_cloned`. The manifest's `voices` name the cloned voice `clone:<backend>@<12 hex>`, with
the stretch and why.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from pipeline.atomic import write_text_atomic
from pipeline.errors import InputError, wrap_leaf_errors

log = logging.getLogger(__name__)

CLONE_PREFIX = "clone:"  # tts.cloning.CLONE_PREFIX (not imported: the plan imports this module)
#: The stored clip: 24 kHz mono, 16-bit WAV (XTTS-v2 resamples its reference to 22.05 kHz itself).
REFERENCE_RATE = 24000
REFERENCE_NAME = "reference.wav"
#: Bump when the choice of a reference changes, so cached choices are made again.
REFERENCE_VERSION = 1


def reference_inputs(voice: str | None) -> dict[str, str]:
    """{"reference": <stored clip key>} for a cloned voice of a resolved spec, else {} (the plan's
    inputs of a speech task)."""
    if voice and voice.startswith(CLONE_PREFIX) and "@" in voice:
        return {"reference": voice.rsplit("@", 1)[1]}
    return {}


def display_voice(voice: str) -> str:
    """A cloned voice as the manifest names it: "clone:xtts@<first 12 hex of the clip>"."""
    name, _, digest = voice.partition("@")
    return f"{name}@{digest[:12]}" if digest else name


def presenter_reference(path: str | os.PathLike, encoder=None):
    """(tts.reference.ReferenceStretch, clip samples, REFERENCE_RATE) of a presenter's file.
    Raises tts.reference.NoReferenceError or lipsync.errors.MediaError (no audio stream)."""
    from lipsync.media import read_audio
    from tts.reference import choose_reference

    audio, rate = read_audio(path, REFERENCE_RATE)
    stretch = choose_reference(audio, rate, encoder=encoder)
    return stretch, stretch.cut(audio, rate), rate


class CloningVoices:
    """A `PresenterVoices` (its `resolve`, same signature) with cloned voices on top.

    `artifacts`: the job service's `ArtifactStore` (the clips are stored inputs). `registry`:
    name -> cloning backend factory (default `tts.cloning.CLONING_REGISTRY`); `model_paths`: each
    backend's model folders (default: `ModelStore().cloning_models()`, read at each submission). `reference_fn`: path ->
    `presenter_reference`'s result, replaceable by tests. Each presenter's choice (or why there is
    none) is kept in `<voices cache>/references/<presenter key>.json`."""

    def __init__(self, voices, artifacts, *, registry=None, model_paths: Mapping[str, Any] | None = None,
                 reference_fn=None):
        self.voices = voices
        self.artifacts = artifacts
        self.registry = registry
        self.model_paths = model_paths
        self.reference_fn = reference_fn or presenter_reference
        self.cache_dir = Path(voices.cache_dir) / "references"

    # The wrapped PresenterVoices' own answers, so this is a drop-in for it (the page's voice
    # menu asks for the catalogue, profiles and automatic choices).
    def catalog(self):
        return self.voices.catalog()

    def profile(self, path, key):
        return self.voices.profile(path, key)

    def choose(self, profile, language, override):
        return self.voices.choose(profile, language, override)

    def samples(self):
        return self.voices.samples()

    def cloners(self) -> dict[str, Any]:
        """The installed cloning backends ({name: tts.cloning.InstalledCloner}), looked up again at
        each submission (a model installed while the service runs counts)."""
        from tts.cloning import installed_cloners

        paths = self.model_paths
        if paths is None:
            from pipeline.models import ModelStore

            paths = ModelStore().cloning_models()
        return installed_cloners(paths, self.registry)

    def reference(self, path: str | os.PathLike, key: str) -> tuple[str | None, dict[str, Any]]:
        """(stored clip key, the stretch as a dict) of a presenter, or (None, {"error": why})."""
        cached = self.cache_dir / f"{key}.json"
        if cached.is_file():
            data = json.loads(cached.read_text(encoding="utf-8"))
            clip = data.get("clip")
            if data.get("version") == REFERENCE_VERSION and (clip is None or self.artifacts.has(clip)):
                return clip, data["stretch"]
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        clip, stretch = self._choose(Path(path))
        write_text_atomic(cached, json.dumps({"version": REFERENCE_VERSION, "clip": clip, "stretch": stretch}))
        return clip, stretch

    def _choose(self, path: Path) -> tuple[str | None, dict[str, Any]]:
        from lipsync.errors import MediaError
        from lipsync.media import write_audio
        from tts.reference import NoReferenceError

        try:
            with wrap_leaf_errors():
                stretch, clip, rate = self.reference_fn(path)
        except (NoReferenceError, MediaError, InputError) as exc:
            return None, {"error": str(exc).replace(str(path), path.name)}
        with tempfile.TemporaryDirectory(dir=self.cache_dir) as tmp:
            wav = write_audio(Path(tmp) / REFERENCE_NAME, clip, rate)
            key = self.artifacts.put_file(wav, REFERENCE_NAME, {"reference": stretch.to_dict()}, move=True)
        return key, stretch.to_dict()

    def resolve(self, presenters, languages, overrides: Mapping[str, object] | None, *,
                automatic: Collection[tuple[str, str]] = ()):
        """As `PresenterVoices.resolve`: ({key: {language: voice}}, {key: {language: record}}).

        Overrides may name `clone:<backend>` (per presenter or language): that presenter is cloned
        or the submission fails (InputError, one line) when it cannot be. Any other voice the user
        gives wins over cloning."""
        overrides = dict(overrides or {})
        cloners = self.cloners()
        if not cloners and not _has_clone(overrides):
            return self.voices.resolve(presenters, languages, overrides, automatic=automatic)
        voices, records = self.voices.resolve(presenters, languages, _without_clones(overrides), automatic=automatic)
        for names, key, path in presenters:
            file = Path(str(names[0])).name
            for lang in languages:
                asked = _user_voice(overrides, names, lang)
                if asked and not asked.startswith(CLONE_PREFIX):
                    continue  # the user's voice wins
                cloned = self._clone(file, key, path, lang, asked, cloners, records)
                if cloned is not None:
                    voices.setdefault(key, {})[lang], records.setdefault(key, {})[lang] = cloned
        return voices, records

    def _clone(self, file: str, key: str, path, lang: str, asked: str | None, cloners, records
               ) -> tuple[str, dict] | None:
        """(voice, record) of a cloned voice, or None (a note on the record says why not)."""
        from tts.cloning import parse_clone_voice

        with wrap_leaf_errors():
            name, digest = parse_clone_voice(asked) if asked else (None, "")
        installed = ", ".join(f"clone:{n}" for n in cloners) or "none"
        if name is not None and name not in cloners:
            raise InputError(f"voices: {file} {lang}: clone:{name} is not installed here (cloning models: "
                             f"{installed}); see the README, 'Voice cloning'")
        name = name or next((n for n, c in cloners.items() if c.speaks(lang)), None)
        if name is None or not cloners[name].speaks(lang):
            why = f"no installed cloning model speaks {lang} (installed: {installed})"
            return _refuse(asked, file, lang, why, records.get(key, {}).get(lang))
        clip, stretch = self.reference(path, key)
        if clip is None:
            return _refuse(asked, file, lang, stretch["error"], records.get(key, {}).get(lang))
        if digest and digest != clip:  # a resolved spec submitted again, its clip chosen before
            if not self.artifacts.has(digest):
                raise InputError(f"voices: {file} {lang}: the reference clip {digest[:12]} is no longer stored; "
                                 f"give clone:{name} to choose it again")
            clip, stretch = digest, self.artifacts.meta(digest).get("reference", stretch)
        voice = f"{CLONE_PREFIX}{name}@{clip}"
        licence = str(getattr(cloners[name].backend, "licence", "") or "not stated")
        return voice, self._record(key, path, voice, stretch, asked is not None and digest != clip, licence)

    def _record(self, key: str, path, voice: str, stretch: Mapping[str, Any], by_user: bool, licence: str) -> dict:
        """The manifest's record; it names the stored file (the same whether the job names the
        presenter by path or, resubmitted, by key)."""
        from tts.voices import VoiceChoice

        from pipeline.voicing import voice_record

        profile = self.voices.profile(path, key)
        shown = display_voice(voice)
        span = f"{stretch['start_s']:.2f}-{stretch['end_s']:.2f} s (SNR {stretch['snr_db']:.0f} dB)"
        reason = f"{shown}: cloned from {Path(path).name}'s own speech, {span}" + (", as the user asked" if by_user else "")
        record = voice_record(profile, VoiceChoice(shown, reason, profile.register))
        record["reference"] = {**stretch, "sha256": voice.rsplit("@", 1)[1]}
        record["licence"] = licence  # the cloning model's: its outputs (this pack's speech) may be bound by it
        return record


def _refuse(asked: str | None, file: str, lang: str, why: str, record: dict | None) -> None:
    """Not cloned: an error when the user asked for cloning, else a note on the chosen voice."""
    if asked:
        raise InputError(f"voices: {file} {lang}: cannot clone: {why}")
    if record is not None:
        record["reason"] = f"{record['reason']}; not cloned: {why}"
    return None


def _has_clone(overrides: Mapping[str, object]) -> bool:
    return any(isinstance(v, str) and v.startswith(CLONE_PREFIX) for table in (overrides, *(
        t for t in overrides.values() if isinstance(t, Mapping))) for v in table.values())


def _without_clones(overrides: Mapping[str, object]) -> dict[str, object]:
    """The overrides without their clone:... voices (the voice chooser knows no such voice)."""
    out: dict[str, object] = {}
    for k, v in overrides.items():
        if isinstance(v, Mapping):
            out[k] = {lang: voice for lang, voice in v.items() if not str(voice).startswith(CLONE_PREFIX)}
        elif not str(v).startswith(CLONE_PREFIX):
            out[k] = v
    return out


def _user_voice(overrides: Mapping[str, object], names, language: str) -> str | None:
    """The user's voice for this presenter (any of its `names`: reference, stored key, file name,
    stem) and language: their own entry first, then the language's (as `PresenterVoices`)."""
    from pipeline.voicing import voice_override

    refs = {s for n in names for s in (str(n), Path(str(n)).name, Path(str(n)).stem)}
    for k, table in overrides.items():
        if isinstance(table, Mapping) and k in refs:
            found = voice_override(table, None, language)
            if found:
                return found
    return voice_override({k: v for k, v in overrides.items() if not isinstance(v, Mapping)}, None, language)


# ---------------------------------------------------------------------- the speech task


class Cloners:
    """The cloning backends of one worker process, each built on first use and kept (a model
    loads once). `model_paths`: each backend's model folders (`ModelStore.cloning_models()`);
    `registry` as in `CloningVoices`."""

    def __init__(self, model_paths: Mapping[str, Any] | None = None, registry=None):
        self.model_paths = dict(model_paths or {})
        self.registry = registry
        self._loaded: dict[str, Any] = {}

    def get(self, name: str):
        """The backend `name`; InputError when it is not installed in this worker."""
        if name not in self._loaded:
            from tts.cloning import CLONING_REGISTRY

            registry = CLONING_REGISTRY if self.registry is None else self.registry
            if name not in registry:
                known = ", ".join(registry) or "none"
                raise InputError(f"the job asks for clone:{name}, which is not installed where it runs "
                                 f"(cloning backends: {known}); see the README, 'Voice cloning'")
            with wrap_leaf_errors():
                self._loaded[name] = registry[name](tuple(self.model_paths.get(name, ())))
        return self._loaded[name]


def speak_cloned(texts, language: str, voice: str, reference: Path, cloners: Cloners, *, paragraph_breaks=(),
                 rate: float = 1.0, progress=None):
    """A `tts.Speech` of `texts` (one sentence each) in `language`, in the voice of the stored
    clip `reference` (an input folder), as `steps.speak` gives; its voice is `display_voice(voice)`.
    Raises InputError (one line) when the model is missing or refuses."""
    from lipsync.media import read_audio
    from tts.cloning import SpeakerReference, clone_speech, parse_clone_voice

    meta = json.loads((reference / "meta.json").read_text(encoding="utf-8"))
    with wrap_leaf_errors():
        name, digest = parse_clone_voice(voice)
        audio, sample_rate = read_audio(reference / meta["name"])
        backend = cloners.get(name)
        return clone_speech(list(texts), language, backend, SpeakerReference(audio, sample_rate, digest),
                            voice_id=display_voice(voice), rate=rate, paragraph_breaks=set(paragraph_breaks),
                            progress=progress)
