"""Task names as a small type: `TaskKey(kind, language, presenter, voice)` with one `str()` and
one `parse()`, so no module builds or splits "render:pt:ab12" by hand; and each task's human
label ("Rendering ana — pt") for progress lines, the API and the page.

    analyse:<presenter>   source   translate:<lang>   narrate:<lang>   speak:<lang>[:<voice>]
    render:<lang>:<presenter>   pack:<lang>

`<presenter>` is the presenter's label (`plan.presenter_label`: the first characters of its
input key); a language is a BCP-47 tag, which never holds a colon. `<voice>` is a voice id
("kokoro:jf_nezumi", which holds a colon: it is the rest of the name), on speech tasks whose
voice was resolved when the job was submitted (one speech task per language and voice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.jobs.spec import UNDETERMINED

#: what each kind of task has besides its kind
_SHAPES = {"analyse": ("presenter",), "source": (), "translate": ("language",), "narrate": ("language",),
           "speak": ("language",), "render": ("language", "presenter"), "pack": ("language",)}

_LABELS = {"analyse": "Analysing {presenter}", "source": "Reading the source", "translate": "Translating into {language}",
           "narrate": "Timing the {language} narration", "speak": "Voicing {language}{voice}",
           "render": "Rendering {presenter} — {language}", "pack": "Packing {language}"}
#: the same, for a narration whose language is to be detected (`und`) while it is not known yet
_NARRATION_LABELS = {"narrate": "Timing the narration", "render": "Rendering {presenter} — narration",
                     "pack": "Packing the narration"}


@dataclass(frozen=True)
class TaskKey:
    """Which task of a job: its kind, and the language and presenter it is for (when any); a
    speech task may name its voice."""

    kind: str
    language: str | None = None
    presenter: str | None = None
    voice: str | None = None

    def __post_init__(self) -> None:
        shape = _SHAPES.get(self.kind)
        if shape is None:
            raise ValueError(f"unknown task kind {self.kind!r}; kinds: {', '.join(_SHAPES)}")
        for part in ("language", "presenter"):
            value = getattr(self, part)
            if (part in shape) != (value is not None) or (value is not None and (not value or ":" in value)):
                raise ValueError(f"a {self.kind} task {'needs' if part in shape else 'has no'} a {part}")
        if self.voice is not None and self.kind != "speak":
            raise ValueError(f"a {self.kind} task has no voice")
        if self.voice is not None and (not self.voice.strip(":") or self.voice != self.voice.strip()):
            raise ValueError(f"a speech task's voice is a voice id, not {self.voice!r}")

    def __str__(self) -> str:
        voice = [self.voice] if self.voice else []
        return ":".join([self.kind, *(getattr(self, part) for part in _SHAPES[self.kind]), *voice])

    @classmethod
    def parse(cls, name: str) -> TaskKey:
        """The key of a task name; ValueError when it is not one."""
        kind, *rest = name.split(":")
        shape = _SHAPES.get(kind)
        voice = None
        if kind == "speak" and len(rest) > 1:  # speak:<lang>:<voice id, colons and all>
            rest, voice = rest[:1], ":".join(rest[1:])
        if shape is None or len(rest) != len(shape):
            raise ValueError(f"{name!r} is not a task name (e.g. translate:pt, render:pt:ab12cd34ef)")
        return cls(kind, **dict(zip(shape, rest)), voice=voice)

    def label(self, names: Mapping[str, str] | None = None, language: str | None = None) -> str:
        """A human label; `names` maps presenter labels to the names users gave them, and
        `language` is how to say the task's language ("Portuguese"; default: its tag). The
        tasks of a narration whose language is detected (`und`, BCP-47's "undetermined") say
        "narration" until the caller gives the detected language as `language`."""
        names = names or {}
        presenter = names.get(self.presenter, self.presenter) if self.presenter else ""
        template = _LABELS[self.kind]
        if self.language == UNDETERMINED and language is None:
            template = _NARRATION_LABELS.get(self.kind, template)
        return template.format(presenter=presenter, language=language or self.language or "",
                               voice=f" — {voice_words(self.voice)}" if self.voice else "")


def voice_words(voice: str) -> str:
    """A voice id as a person reads it: "kokoro:jf_nezumi" -> "jf_nezumi (Kokoro)" (labels carry
    no task-key punctuation)."""
    backend, sep, name = voice.partition(":")
    return f"{name} ({backend.title()})" if sep and name else voice


def review_gate(language: str) -> str:
    """The gate of a language's speech task: open once that language's translation is approved."""
    return f"review:{language}"


def gate_language(gate: str) -> str:
    """The language a review gate waits for."""
    return gate.removeprefix("review:")
