"""What a job asks for: the source, the languages, the presenters and the options.

The one shape behind every entry point: the HTTP API (JSON), `polydub run job.yaml`, and the
one-shot commands (`polydub localize`, `lipsync`, `demo` build a spec from their options).
`JobSpec.from_dict` checks it once and every error is one line that names the field. A new
option is one new field here (with its check; its value's parser in `spec_fields`), one line in
`plan` that hands it to the task that uses it, and one CLI flag.

File references (`presenters`, `recording`, `narrations`, `translations`, a `glossary` file)
are resolved by the service into stored inputs: a presenter id, an artifact digest
(`sha256:...`) or, from the command line, a file path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.jobs import spec_fields as fields
from pipeline.jobs.spec_fields import Preview, SpecError, glossary_mapping

__all__ = ["JobSpec", "Preview", "RATE_RANGE", "SpecError", "UNDETERMINED", "glossary_mapping", "renderer_choices"]


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
#: BCP-47's "undetermined": a narration whose language is detected (`polydub lipsync`)
UNDETERMINED = "und"
#: speaking rates the voices handle without breaking up (1.0 = the voice's normal pace)
RATE_RANGE = (0.5, 2.0)


def renderer_choices() -> tuple[str, ...]:
    """Renderer names, from the lip-sync leaf's registry alone ("auto" lets the engine choose)."""
    from lipsync.renderers import CHOICES

    return tuple(CHOICES)


@dataclass(frozen=True)
class JobSpec:
    """A localisation job. Exactly one source: `text`, `recording`, or `narrations` per language.

    Fields (CLI option in brackets):
      languages        target BCP-47 tags [localize --lang]; with narrations, their keys
      presenters       presenter references [--presenter]
      text             the script, plain text or Markdown [localize --text FILE]
      recording        a recorded talk: transcribed, then translated [localize --recording]
      narrations       {language: audio reference}, used as they are [lipsync --audio, with
                       language `und` when it is to be detected]
      transcript       the words of the recording or of the one narration [lipsync --transcript]
      audio_track      1-based audio stream of recording/narrations files [--audio-track]
      source_language  the source's tag; None: detected [--source-lang / lipsync --language]
      accept_mixed_language  with a text script and source_language: translate lines identified
                       as another language (in the same writing system) as source_language, with
                       a note in the manifest, instead of stopping [--accept-mixed-language]
      translations     provided translations file (XLIFF 2.x, PO, CSV, JSON) [--translations]
      glossary         {keep: [terms], forced: {language: {term: translation}}}, or a file
                       reference (CSV/TSV/JSON/YAML) the service reads [--glossary]
      review           stop after translation until a reviewer approves [--review]
      voices           {language: voice}, and/or {presenter: {language: voice}} (presenter: its
                       id, file name or stem; voice: a voice id, or female/male to declare the
                       presenter's register); the rest is chosen per presenter from their own
                       voice when the job is submitted [--voice LANG=VOICE, PRESENTER:LANG=VOICE]
      rate             speaking rate, 1.0 = normal [--rate]
      renderer         a name from `lipsync.renderers` or "auto" [--renderer]
      renderer_options options for that renderer, e.g. {checkpoint: PATH} [--checkpoint]
      accept_truncated use a cut-off presenter or audio file as far as it reads instead of
                       refusing it [--accept-truncated]
      background       the colour behind a transparent presenter: "#rrggbb" (any colour
                       Pillow's ImageColor reads, e.g. "gray"); None: the decoder's default
                       [--background]
      name             a label for lists [run: name:]
      preview          the first seconds of one presenter, small [polydub preview]
      analyse_only     analyse the presenters, nothing else (uploads)
    """

    languages: tuple[str, ...]
    presenters: tuple[str, ...]
    text: str | None = None
    recording: str | None = None
    narrations: Mapping[str, str] = field(default_factory=dict)
    transcript: str | None = None
    audio_track: int | None = None
    source_language: str | None = None
    accept_mixed_language: bool = False
    translations: str | None = None
    glossary: Mapping[str, Any] | str = field(default_factory=dict)
    review: bool = False
    voices: Mapping[str, Any] = field(default_factory=dict)
    rate: float = 1.0
    renderer: str = "auto"
    renderer_options: Mapping[str, Any] = field(default_factory=dict)
    accept_truncated: bool = False
    background: str | None = None
    name: str = ""
    preview: Preview | None = None
    analyse_only: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobSpec:
        """Check and normalise a mapping (JSON, YAML); raises SpecError naming the field."""
        if not isinstance(data, Mapping):
            raise SpecError("a job spec is a mapping of fields (languages, presenters, text, ...)")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise SpecError(f"unknown job field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = dict(data)
        values["narrations"] = fields.str_mapping(values.get("narrations"), "narrations",
                                            "narrations must map a language to an audio file, e.g. {pt: pt.wav}")
        langs = values.get("languages")
        if not langs and values["narrations"]:
            langs = list(values["narrations"])
        if isinstance(langs, str):
            langs = [s for s in re.split(r"[,\s]+", langs) if s]
        values["languages"] = tuple(str(x) for x in (langs or ()))
        presenters = values.get("presenters") or ()
        if isinstance(presenters, str):
            presenters = [presenters]
        values["presenters"] = tuple(str(x) for x in presenters)
        values["voices"] = fields.voices(values.get("voices"))
        values["glossary"] = fields.glossary_mapping(values.get("glossary"))
        values["renderer_options"] = fields.renderer_options(values.get("renderer_options"))
        values["preview"] = fields.preview(values.get("preview"))
        for flag in ("review", "analyse_only", "accept_truncated", "accept_mixed_language"):
            values[flag] = fields.flag(values.get(flag, False), flag)
        for name in ("text", "recording", "transcript", "translations", "source_language"):
            if values.get(name) is not None and not isinstance(values[name], str):
                raise SpecError(f"{name}: must be text, not {type(values[name]).__name__}")
        values["rate"] = fields.number(values.get("rate", 1.0), "rate")
        values["audio_track"] = fields.track(values.get("audio_track"))
        values["background"] = fields.colour(values.get("background"))
        values["renderer"] = str(values.get("renderer") or "auto")
        values["name"] = str(values.get("name") or "")
        spec = cls(**values)
        spec.check()
        return spec

    @classmethod
    def from_yaml(cls, path: str | Path) -> JobSpec:
        """Read a job file; relative file references are taken from the file's folder. The
        job.json of a job zip (`pipeline.jobs.exports`) is read as its spec, under its name."""
        import yaml

        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SpecError(f"{path}: cannot read the job file ({exc.strerror})") from exc
        except yaml.YAMLError as exc:
            raise SpecError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from exc
        if not isinstance(data, Mapping):
            raise SpecError(f"{path}: a job file is a mapping (languages:, presenters:, text:, ...)")
        if isinstance(data.get("spec"), Mapping) and "id" in data:  # job.json of a job zip: its spec
            data = {**data["spec"], "name": data["spec"].get("name") or data.get("name") or ""}
        data = dict(data)
        file_fields = {"text_file", "transcript_file"}
        unknown = sorted(set(data) - set(cls.__dataclass_fields__) - file_fields)
        if unknown:  # the fields a job file takes; preview and analyse_only are set by commands and uploads
            known = (set(cls.__dataclass_fields__) - {"preview", "analyse_only"}) | file_fields
            raise SpecError(f"unknown job field(s) {', '.join(map(str, unknown))}; known: {', '.join(sorted(known))}")
        base = path.parent

        def local(ref: str) -> str:
            p = Path(ref).expanduser()
            if not p.is_absolute() and (base / p).exists():
                return str(base / p)
            return ref

        for name in ("text_file", "transcript_file"):
            if name in data:
                data[name.removesuffix("_file")] = fields.read_text(Path(local(str(data.pop(name)))), name)
        for name in ("recording", "translations"):
            if data.get(name):
                data[name] = local(str(data[name]))
        if isinstance(data.get("glossary"), str):
            data["glossary"] = local(data["glossary"])
        if isinstance(data.get("narrations"), Mapping):
            data["narrations"] = {k: local(str(v)) for k, v in dict(data["narrations"]).items()}
        data["presenters"] = [local(str(p)) for p in (data.get("presenters") or [])]
        options = data.get("renderer_options")
        if isinstance(options, Mapping) and isinstance(options.get("checkpoint"), str):  # Wav2Lip's weights
            data["renderer_options"] = {**options, "checkpoint": local(options["checkpoint"])}
        return cls.from_dict(data)

    def check(self) -> None:
        """Raise SpecError (one line naming the field) when the spec cannot run as written."""
        if self.analyse_only:
            if not self.presenters:
                raise SpecError("presenters: an analysis job needs at least one presenter")
            return
        self._check_source()
        self._check_languages()
        if not self.presenters:
            raise SpecError("presenters: pick at least one presenter video")
        if len(set(self.presenters)) != len(self.presenters):
            raise SpecError("presenters: a presenter is listed twice")
        choices = renderer_choices()
        if self.renderer not in choices:
            raise SpecError(f"renderer: unknown renderer {self.renderer!r}; use one of {', '.join(choices)}")
        if not RATE_RANGE[0] <= self.rate <= RATE_RANGE[1]:
            raise SpecError(f"rate: {self.rate} is outside {RATE_RANGE[0]}..{RATE_RANGE[1]} (1.0 = normal speed)")
        if self.preview is not None and not (0 < self.preview.seconds <= 30 and 64 <= self.preview.height <= 1080):
            raise SpecError("preview: seconds must be in (0, 30] and height in [64, 1080]")

    def _check_source(self) -> None:
        sources = [self.text is not None, bool(self.recording), bool(self.narrations)]
        if sum(sources) != 1:
            raise SpecError("give exactly one source: text, recording, or narrations (one audio file per language)")
        if self.text is not None and not self.text.strip():
            raise SpecError("text: the script text is empty; paste the script or give a text file")
        if self.transcript is not None:
            if not self.transcript.strip():
                raise SpecError("transcript: it is empty; give the narration's words or leave it out")
            if self.text is not None or len(self.narrations) > 1:
                raise SpecError("transcript: it gives the words of a recording or of one narration; "
                                "drop it or give one audio file")
        if self.audio_track is not None and self.text is not None:
            raise SpecError("audio_track: it picks the audio stream of a recording or narration; the source is text")
        if self.translations is not None and self.narrations:
            raise SpecError("translations: narrations are not translated; drop translations or give text")
        if self.accept_mixed_language and (self.text is None or not self.source_language):
            raise SpecError("accept_mixed_language: it lets a text script read as its given source_language keep "
                            "lines in another language; give source_language (--source-lang) and text, or drop it")
        if self.review and self.narrations:
            raise SpecError("review: narrations are not translated, so there is nothing to review")

    def _check_languages(self) -> None:
        if not self.languages:
            raise SpecError("languages: pick at least one target language, e.g. languages: [pt, es]")
        if len(set(self.languages)) != len(self.languages):
            raise SpecError(f"languages: a language is listed twice in {list(self.languages)}")
        tags = [*self.languages, *([self.source_language] if self.source_language else [])]
        for lang in tags:
            if not _LANGUAGE.match(lang):
                raise SpecError(f"languages: {lang!r} is not a BCP-47 language tag; write e.g. pt, es or pt-BR")
        if UNDETERMINED in self.languages and not self.narrations:
            raise SpecError(f"languages: {UNDETERMINED!r} (detected) is only for narrations")
        if self.narrations and set(self.narrations) != set(self.languages):
            raise SpecError("narrations: give one audio file for each language and no other languages")

    def background_rgb(self) -> tuple[int, int, int] | None:
        """`background` as (R, G, B), 0-255 each; None when not given."""
        return fields.rgb(self.background) if self.background else None

    def per_presenter_voices(self) -> dict[str, Mapping[str, str]]:
        """The {presenter: {language: voice}} entries of `voices`."""
        return {k: v for k, v in self.voices.items() if isinstance(v, Mapping)}

    def voice(self, language: str) -> str | None:
        """The voice asked for a language, or None (the language's default voice)."""
        value = self.voices.get(language)
        return value if isinstance(value, str) else None

    def presenter_voice(self, presenter: str, language: str) -> str | None:
        """The voice of a presenter (as the spec names it: a stored key once resolved) in a
        language: its own entry, else the language's, else None (the language default)."""
        table = self.voices.get(presenter)
        if isinstance(table, Mapping) and isinstance(table.get(language), str):
            return table[language]
        return self.voice(language)

    def as_preview(self, seconds: float = 3.0, height: int = 240) -> JobSpec:
        """The same job cut down to one presenter and one language at low resolution."""
        narrations = {self.languages[0]: self.narrations[self.languages[0]]} if self.narrations else {}
        return replace(self, languages=self.languages[:1], presenters=self.presenters[:1],
                       narrations=narrations, review=False, preview=Preview(seconds, height),
                       name=(self.name + " (preview)").strip())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types; `from_dict(to_dict())` gives the same spec."""
        out = asdict(self)
        out["languages"] = list(self.languages)
        out["presenters"] = list(self.presenters)
        return out
