"""Task names as a small type: `TaskKey(kind, language, presenter)` with one `str()` and one
`parse()`, so no module builds or splits "render:pt:ab12" by hand; and each task's human
label ("Rendering ana — pt") for progress lines, the API and the page.

    analyse:<presenter>   source   translate:<lang>   narrate:<lang>   speak:<lang>
    render:<lang>:<presenter>   pack:<lang>

`<presenter>` is the presenter's label (`plan.presenter_label`: the first characters of its
input key); a language is a BCP-47 tag, which never holds a colon.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: what each kind of task has besides its kind
_SHAPES = {"analyse": ("presenter",), "source": (), "translate": ("language",), "narrate": ("language",),
           "speak": ("language",), "render": ("language", "presenter"), "pack": ("language",)}

_LABELS = {"analyse": "Analysing {presenter}", "source": "Reading the source", "translate": "Translating into {language}",
           "narrate": "Timing the {language} narration", "speak": "Voicing {language}",
           "render": "Rendering {presenter} — {language}", "pack": "Packing {language}"}


@dataclass(frozen=True)
class TaskKey:
    """Which task of a job: its kind, and the language and presenter it is for (when any)."""

    kind: str
    language: str | None = None
    presenter: str | None = None

    def __post_init__(self) -> None:
        shape = _SHAPES.get(self.kind)
        if shape is None:
            raise ValueError(f"unknown task kind {self.kind!r}; kinds: {', '.join(_SHAPES)}")
        for part in ("language", "presenter"):
            value = getattr(self, part)
            if (part in shape) != (value is not None) or (value is not None and (not value or ":" in value)):
                raise ValueError(f"a {self.kind} task {'needs' if part in shape else 'has no'} a {part}")

    def __str__(self) -> str:
        return ":".join([self.kind, *(getattr(self, part) for part in _SHAPES[self.kind])])

    @classmethod
    def parse(cls, name: str) -> TaskKey:
        """The key of a task name; ValueError when it is not one."""
        kind, *rest = name.split(":")
        shape = _SHAPES.get(kind)
        if shape is None or len(rest) != len(shape):
            raise ValueError(f"{name!r} is not a task name (e.g. translate:pt, render:pt:ab12cd34ef)")
        return cls(kind, **dict(zip(shape, rest)))

    def label(self, names: Mapping[str, str] | None = None) -> str:
        """A human label; `names` maps presenter labels to the names users gave them."""
        names = names or {}
        presenter = names.get(self.presenter, self.presenter) if self.presenter else ""
        return _LABELS[self.kind].format(presenter=presenter, language=self.language or "")


def review_gate(language: str) -> str:
    """The gate of a language's speech task: open once that language's translation is approved."""
    return f"review:{language}"


def gate_language(gate: str) -> str:
    """The language a review gate waits for."""
    return gate.removeprefix("review:")
