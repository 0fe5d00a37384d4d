"""What a job asks for: the source, the languages, the presenters and the options.

The same spec comes from the HTTP API (JSON) and from `polydub run job.yaml`; `JobSpec.from_dict`
checks it once and every error names the field and what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.errors import JobError

class SpecError(JobError):
    """A job spec that cannot run as written; the message names the field."""


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_RENDERERS = ("auto", "exemplar", "warp", "wav2lip")


@dataclass(frozen=True)
class Preview:
    """A quick look before the whole batch: the first seconds of one presenter, low resolution."""

    seconds: float = 3.0
    height: int = 240


@dataclass(frozen=True)
class JobSpec:
    """A localisation job. Exactly one source: `text`, `recording`, or `narrations` per language.

    `recording` and `narrations` values and `presenters` are references the service resolves to
    stored inputs: a presenter id, an artifact digest (`sha256:...`) or, from the command line,
    a file path.
    """

    languages: tuple[str, ...]
    presenters: tuple[str, ...]
    text: str | None = None
    recording: str | None = None
    narrations: Mapping[str, str] = field(default_factory=dict)
    source_language: str = "en"
    voices: Mapping[str, str] = field(default_factory=dict)
    glossary: Mapping[str, Any] = field(default_factory=dict)
    review: bool = False
    renderer: str = "auto"
    name: str = ""
    preview: Preview | None = None
    #: an analysis-only job: the presenters are analysed, nothing else runs
    analyse_only: bool = False

    @property
    def source_kind(self) -> str:
        if self.analyse_only:
            return "none"
        return "text" if self.text is not None else "recording" if self.recording else "narrations"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobSpec:
        if not isinstance(data, Mapping):
            raise SpecError("a job spec is a mapping of fields (languages, presenters, text, ...)")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise SpecError(f"unknown job field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = dict(data)
        narrations = values.get("narrations") or {}
        if not isinstance(narrations, Mapping):
            raise SpecError("narrations must map a language to an audio file, e.g. {pt: narration_pt.wav}")
        values["narrations"] = {str(k): str(v) for k, v in narrations.items()}
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
        for name in ("voices", "glossary"):
            if not isinstance(values.get(name) or {}, Mapping):
                raise SpecError(f"{name} must be a mapping")
            values[name] = dict(values.get(name) or {})
        preview = values.get("preview")
        if preview is True:
            values["preview"] = Preview()
        elif isinstance(preview, Mapping):
            values["preview"] = Preview(**{k: preview[k] for k in ("seconds", "height") if k in preview})
        elif not preview:
            values["preview"] = None
        for flag in ("review", "analyse_only"):
            values[flag] = bool(values.get(flag, False))
        spec = cls(**values)
        spec.check()
        return spec

    @classmethod
    def from_yaml(cls, path: str | Path) -> JobSpec:
        """Read a job file; relative file references are taken from the file's folder."""
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
        data = dict(data)
        base = path.parent

        def local(ref: str) -> str:
            p = Path(ref).expanduser()
            if not p.is_absolute() and (base / p).exists():
                return str(base / p)
            return ref

        if "text_file" in data:
            data["text"] = Path(local(str(data.pop("text_file")))).read_text(encoding="utf-8")
        if data.get("recording"):
            data["recording"] = local(str(data["recording"]))
        if data.get("narrations"):
            data["narrations"] = {k: local(str(v)) for k, v in dict(data["narrations"]).items()}
        data["presenters"] = [local(str(p)) for p in (data.get("presenters") or [])]
        return cls.from_dict(data)

    def check(self) -> None:
        if self.analyse_only:
            if not self.presenters:
                raise SpecError("an analysis job needs at least one presenter")
            return
        sources = [self.text is not None, bool(self.recording), bool(self.narrations)]
        if sum(sources) != 1:
            raise SpecError("give exactly one source: text, recording, or narrations (one audio file per language)")
        if self.text is not None and not self.text.strip():
            raise SpecError("the script text is empty; paste the script or upload a text file")
        if not self.languages:
            raise SpecError("pick at least one target language, e.g. languages: [pt, es]")
        if len(set(self.languages)) != len(self.languages):
            raise SpecError(f"a language is listed twice in {list(self.languages)}")
        for lang in (*self.languages, self.source_language):
            if not _LANGUAGE.match(lang):
                raise SpecError(f"{lang!r} is not a BCP-47 language tag; write e.g. pt, es or pt-BR")
        if self.narrations and set(self.narrations) != set(self.languages):
            raise SpecError("with narrations, give one audio file for each language and no other languages")
        if not self.presenters:
            raise SpecError("pick at least one presenter video")
        if len(set(self.presenters)) != len(self.presenters):
            raise SpecError("a presenter is listed twice")
        if self.renderer not in _RENDERERS:
            raise SpecError(f"unknown renderer {self.renderer!r}; use one of {', '.join(_RENDERERS)}")
        if self.preview is not None and not (0 < self.preview.seconds <= 30 and 64 <= self.preview.height <= 1080):
            raise SpecError("preview seconds must be in (0, 30] and height in [64, 1080]")

    def as_preview(self, seconds: float = 3.0, height: int = 240) -> JobSpec:
        """The same job cut down to one presenter and one language at low resolution."""
        narrations = {self.languages[0]: self.narrations[self.languages[0]]} if self.narrations else {}
        return replace(self, languages=self.languages[:1], presenters=self.presenters[:1],
                       narrations=narrations, review=False, preview=Preview(seconds, height),
                       name=(self.name + " (preview)").strip())

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["languages"] = list(self.languages)
        out["presenters"] = list(self.presenters)
        return out
