"""What can run here: which languages have a translation model and a voice, checked when a job
is created (not an hour later, when its translate or speak task fails).

`ModelCapabilities` reads the model store's translation models through the translator's own
pair discovery (`translate.Translator(...).route`, which loads no model) and the installed
voices through `tts.VoiceCatalog`. A runner other than the pipeline's (the test runner) may
declare its own through a `capabilities(models_dir)` attribute; an unknown runner is not
second-guessed (`OpenCapabilities`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from pipeline.jobs.spec import UNDETERMINED, JobSpec, SpecError

log = logging.getLogger(__name__)

#: how to add a translation model, as the page and the 422 answers say it
HOW_TO_ADD_MODEL = ("add a model with `polydub models import PATH` (a MarianMT/OPUS-MT or CTranslate2 folder for "
                    "the pair, e.g. {source}-{target}), or give the job a translations file (XLIFF, PO, CSV, JSON)")
#: how to add a voice
HOW_TO_ADD_VOICE = "install a voice for it (a Piper .onnx voice in the model store; `polydub voices` lists them)"


def normalize_tag(tag: str) -> str:
    """`PT_br` -> `pt-BR`, `EN` -> `en` (BCP-47 case rules, through the translate leaf); a
    string that is no tag is returned as it is, for `JobSpec.check` to refuse in its words."""
    from translate.errors import TranslationError
    from translate.languages import normalize

    try:
        return normalize(tag) if tag != UNDETERMINED else tag
    except TranslationError:
        return tag


def language_name(tag: str) -> str:
    """An English name for a tag of polydub's own languages ("pt-BR" -> "Portuguese (Brazil)"
    for the regions below, else "Portuguese (pt-BR)"); the tag itself when unknown. Source:
    `translate.languages.NAMES`, the languages the translator identifies."""
    from translate.languages import NAMES

    primary, _, region = normalize_tag(tag).partition("-")
    name = next((n.title() for n, code in NAMES.items() if code == primary), "")
    if not name:
        return tag
    return f"{name} ({_REGIONS.get(region, region)})" if region else name


def pack_language(tag: str) -> str:
    """A language as a pack names it, the way a translation names its target: a bare tag in the
    variant the bundled models speak (`pt` -> `pt-BR`: `translate.languages.DEFAULT_REGION`; the
    speech leaf times a bare `pt` as Brazilian Portuguese too), any other tag as given."""
    from translate.languages import DEFAULT_REGION

    tag = normalize_tag(tag)
    return DEFAULT_REGION.get(tag, tag)


#: a narration's language before it is detected (`spec.UNDETERMINED`), in words
DETECTED_WORDS = "language detected from the recording"


def job_language(asked: str, languages: Iterable[str]) -> str:
    """The tag of `languages` (a job's) that `asked` names: itself, else the one with the same
    pack tag (`pt` names a job's `pt-BR`, and `pt-BR` an older job's bare `pt`: stored jobs stay
    readable); `asked` normalised when the job has neither (the caller's lookup then says the
    job has no such language). One pack tag is never two of a job's languages (`normalize_spec`)."""
    languages = tuple(languages)
    if asked in languages:
        return asked
    tag = normalize_tag(asked)
    if tag in languages:
        return tag
    return next((lang for lang in languages if pack_language(lang) == pack_language(tag)), tag)


def language_words(tag: str) -> str:
    """`language_name`, and `und` (a narration whose language is detected) in words."""
    return DETECTED_WORDS if tag == UNDETERMINED else language_name(tag)


_REGIONS = {"BR": "Brazil", "PT": "Portugal", "US": "US", "GB": "UK", "ES": "Spain", "MX": "Mexico", "CN": "China",
            "TW": "Taiwan", "CA": "Canada", "FR": "France"}


def named(tag: str) -> str:
    """"Spanish (es)", or the tag alone when it has no name here."""
    name = language_name(tag)
    return f"{name} ({tag})" if name != tag else tag


def normalize_spec(spec: JobSpec) -> JobSpec:
    """The spec with every language tag in its BCP-47 case (`PT-br` -> `pt-BR`): languages,
    narrations, voices, source language and glossary. Raises SpecError when two languages make
    one pack (`pt` and `pt-BR`, `pack_language`): the job would run twice into one folder."""
    _known_languages(spec)
    _one_pack_each(normalize_tag(lang) for lang in spec.languages)
    return replace(_retagged(spec, normalize_tag),
                   source_language=normalize_tag(spec.source_language) if spec.source_language else None)


def pack_spec(spec: JobSpec) -> JobSpec:
    """`normalize_spec`, then every language as its pack names it (`pack_language`: `pt` ->
    `pt-BR`): languages, narrations, voices (a presenter's own too) and the glossary's forced
    translations. A job made of it says one tag everywhere: its record, task names, step labels
    ("Voicing Portuguese (Brazil)"), links, its zip's folders and its packs' manifests (a
    narration's `source_language` included). Raises SpecError as `normalize_spec`."""
    return _retagged(normalize_spec(spec), pack_language)


def _retagged(spec: JobSpec, tag: Callable[[str], str]) -> JobSpec:
    """`spec` with every language key `tag(language)`: languages, narrations, voices (a
    presenter's own too) and the glossary's forced translations; the source language as it is."""
    glossary = spec.glossary
    if isinstance(glossary, dict) and glossary.get("forced"):
        glossary = {**glossary, "forced": {tag(k): v for k, v in glossary["forced"].items()}}
    return replace(
        spec, languages=tuple(tag(lang) for lang in spec.languages),
        narrations={tag(k): v for k, v in spec.narrations.items()},
        voices={(tag(k) if isinstance(v, str) else k): _voice_keys(v, tag) for k, v in spec.voices.items()},
        glossary=glossary)


def _voice_keys(voice: Any, tag: Callable[[str], str]) -> Any:
    """A presenter's own voices ({language: voice}) keyed by `tag(language)`; a voice id as it is."""
    return {tag(k): v for k, v in voice.items()} if isinstance(voice, dict) else voice


def _known_languages(spec: JobSpec) -> None:
    """SpecError for a well-formed tag whose language no registry knows (`xx`): the IANA
    language subtag registry, through `langcodes` (`Language.is_valid`). A string that is no
    tag at all is left to `JobSpec.check`, which says so in its words."""
    import langcodes

    tags = [("languages", lang) for lang in spec.languages if lang != UNDETERMINED]
    for field, tag in [*tags, *([("source_language", spec.source_language)] if spec.source_language else [])]:
        try:
            known = langcodes.Language.get(normalize_tag(tag)).is_valid()
        except (langcodes.tag_parser.LanguageTagError, ValueError):
            continue
        if not known:
            raise SpecError(f"{field}: {tag!r} is not a known language (not in the IANA language subtag registry); "
                            "give a BCP-47 tag such as pt, es or pt-BR")


def fetch_hint(source: str, target: str) -> str:
    """"; or fetch one: `polydub models fetch opus-mt-en-es`" when the model catalogue can
    download a model for the pair (`pipeline.models.catalogue.CATALOGUE`, an entry with a URL);
    "" otherwise."""
    from pipeline.models.catalogue import CATALOGUE
    from translate.languages import primary

    try:
        name = f"opus-mt-{primary(source)}-{primary(target)}"
    except Exception:  # translate's TranslationError for a string that is no tag: nothing to fetch
        return ""
    entry = CATALOGUE.get(name)
    return f"; or fetch one: `polydub models fetch {name}`" if entry is not None and entry.url else ""


def _one_pack_each(languages: Iterable[str]) -> None:
    """SpecError naming two different tags that resolve to one pack tag ("pt and pt-BR are both
    Portuguese (Brazil): list it once"); the same tag twice is `JobSpec.check`'s to refuse."""
    first: dict[str, str] = {}
    for lang in languages:
        pack = pack_language(lang)
        if pack in first and first[pack] != lang:
            raise SpecError(f"languages: {first[pack]} and {lang} are both {language_name(pack)}: list it once")
        first.setdefault(pack, lang)


@dataclass(frozen=True)
class LanguageRow:
    """One language and whether a job into it can run here.

    `translates_from`: source tags with a model into it (through English counts); `voices`:
    voice ids, the default first; `needs`: what is missing ("a translation model en-es", "a
    voice"; "" when it runs): `HOW_TO_ADD_MODEL` and `HOW_TO_ADD_VOICE` say how to add it."""

    tag: str
    name: str
    translates_from: tuple[str, ...]
    voices: tuple[str, ...]
    needs: str = ""

    @property
    def runs(self) -> bool:
        return not self.needs


class Capabilities(Protocol):
    def languages(self, source: str = "en") -> list[LanguageRow]:
        """Every language worth offering: those that run from `source`, then those that need a model."""

    def check(self, spec: JobSpec) -> None:
        """Raise SpecError (one line naming the language and what to add) when part of `spec`
        cannot run here. Loads no model."""


class OpenCapabilities:
    """Anything runs (a runner that decides by itself, such as the test runner)."""

    def languages(self, source: str = "en") -> list[LanguageRow]:
        from translate.languages import IDENTIFIED

        rows = [LanguageRow(tag, language_name(tag), (source,), ()) for tag in IDENTIFIED if tag != source]
        return sorted(rows, key=lambda r: r.name)

    def check(self, spec: JobSpec) -> None:
        return None


class ModelCapabilities:
    """The model store's translation models (and the bundled ones) and the installed voices.

    The voice list is read once (3-8 s cold on this machine's 2 shared cores: it lists every
    espeak-ng voice; then about 20 ms a `GET /languages`); the translation pairs again whenever
    the store's folder changes, so a `polydub models import` shows without a restart."""

    def __init__(self, models_dir: str | Path | None = None):
        from pipeline.models import ModelStore

        self.store = ModelStore(Path(models_dir) if models_dir else None)
        self._lock = threading.Lock()
        self._translator: tuple[Any, Any] | None = None  # (store stamp, translator)
        self._catalog = None

    # ------------------------------------------------------------------ sources
    def _stamp(self) -> Any:
        root = self.store.root
        if not root.is_dir():
            return None
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in root.iterdir()))

    def translator(self):
        """A translator on the store's models, for its pair discovery only (no model loads)."""
        import translate

        with self._lock:
            stamp = self._stamp()
            if self._translator is None or self._translator[0] != stamp:
                self._translator = (stamp, translate.Translator(models=self.store.translation_models()))
            return self._translator[1]

    def catalog(self):
        import tts

        with self._lock:
            if self._catalog is None:
                self._catalog = tts.VoiceCatalog(self.store.speech_models())
                self._catalog.voices()
            return self._catalog

    # ------------------------------------------------------------------ answers
    def languages(self, source: str = "en") -> list[LanguageRow]:
        from translate.languages import IDENTIFIED, primary, resolve

        source = normalize_tag(source)
        translator, catalog = self.translator(), self.catalog()
        targets = {t for _, t in translator.pairs} | set(IDENTIFIED)
        rows = []
        for tag in sorted(targets, key=lambda t: (language_name(t), t)):
            if primary(tag) == primary(source) or (tag == primary(tag) and any(
                    t != tag and primary(t) == tag for t in targets)):
                continue  # the source itself; "pt" when "pt-BR" is listed
            sources = tuple(sorted({s for s, t in translator.pairs if resolve(tag, [t])}))
            if _routes(translator, source, tag):
                sources = tuple(dict.fromkeys([source, *sources]))
            voices = _voice_ids(catalog, tag)
            needs = []
            if source not in sources:
                needs.append(f"a translation model {primary(source)}-{primary(tag)}")
            if not voices:
                needs.append("a voice")
            rows.append(LanguageRow(tag, language_name(tag), sources, voices, "; ".join(needs)))
        return sorted(rows, key=lambda r: (not r.runs, r.name))

    def check(self, spec: JobSpec) -> None:
        if spec.analyse_only:
            return
        translated = not spec.narrations and spec.translations is None
        for lang in spec.languages:
            if lang == UNDETERMINED:
                continue
            if not spec.narrations:
                self._check_voice(lang, spec.voice(lang))
            if translated:
                self._check_translation(spec.source_language, lang)

    def _check_voice(self, lang: str, voice: str | None) -> None:
        from tts.errors import SpeechError

        if voice and voice.startswith("clone:"):
            voice = None  # a cloned voice is checked when the job's voices are resolved (pipeline.cloning)
        catalog = self.catalog()
        try:
            info = catalog.find(voice) if voice else catalog.default_voice(lang)
        except SpeechError as exc:
            what = f"voices: {lang}: " if voice else f"languages: {named(lang)}: "
            raise SpecError(what + " ".join(str(exc).split()) + ("" if voice else f"; {HOW_TO_ADD_VOICE}")) from None
        if voice and not _speaks(info, lang):
            raise SpecError(f"voices: {info.id} does not speak {named(lang)}; it speaks "
                            f"{', '.join(info.languages)}; pick another with `polydub voices --lang {lang}`")

    def _check_translation(self, source: str | None, lang: str) -> None:
        from translate.errors import TranslationError
        from translate.languages import primary, resolve, same_language

        translator = self.translator()
        if source:
            if same_language(source, lang):
                return
            try:
                translator.route(source, lang)
                return
            except TranslationError as exc:
                raise SpecError(f"languages: {named(lang)}: {' '.join(str(exc).split())}"
                                + fetch_hint(source, lang)) from None
        # The source is detected when the job runs: some model into the language must exist.
        if not any(resolve(lang, [t]) for _, t in translator.pairs):
            raise SpecError(f"languages: no model translates into {named(lang)}; "
                            + HOW_TO_ADD_MODEL.format(source="en", target=primary(lang)) + fetch_hint("en", lang))


def _routes(translator, source: str, target: str) -> bool:
    from translate.errors import TranslationError

    try:
        translator.route(source, target)
        return True
    except TranslationError:
        return False


def _primary(tag: str) -> str:
    """The primary subtag, lower case, of any string a voice lists (espeak-ng has odd ones)."""
    return tag.replace("_", "-").split("-")[0].lower()


def _speaks(info, lang: str) -> bool:
    return any(_primary(v) == _primary(lang) for v in info.languages)


def _voice_ids(catalog, tag: str) -> tuple[str, ...]:
    """Voice ids that speak `tag`, the default first; () when none does."""
    from tts.errors import SpeechError

    try:
        default = catalog.default_voice(tag).id
    except SpeechError:
        return ()
    others = sorted(v.id for v in catalog.voices() if _speaks(v, tag) and v.id != default)
    return (default, *others)


def capabilities_for(runner: str, models_dir: str | Path | None = None) -> Capabilities:
    """What the runner named `module:attribute` can run: its own `capabilities(models_dir)` when
    it declares one, the model store's for the pipeline's runner, else `OpenCapabilities`."""
    from pipeline.jobs.local import load_factory
    from pipeline.jobs.runner import PipelineRunner

    factory = load_factory(runner)
    declared = getattr(factory, "capabilities", None)
    if callable(declared):
        return declared(models_dir)
    if isinstance(factory, type) and issubclass(factory, PipelineRunner):
        return ModelCapabilities(models_dir)
    log.info("runner %s declares no capabilities; jobs are not checked before they run", runner)
    return OpenCapabilities()


__all__ = ["Capabilities", "LanguageRow", "ModelCapabilities", "OpenCapabilities", "capabilities_for",
           "language_name", "named", "normalize_tag", "normalize_spec"]
