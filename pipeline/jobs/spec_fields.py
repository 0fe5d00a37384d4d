"""The parsers of a job spec's fields (`pipeline.jobs.spec.JobSpec.from_dict`): each turns a
JSON or YAML value into the field's normal form or raises `SpecError`, one line that names the
field and what to write instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import JobError


class SpecError(JobError):
    """A job spec that cannot run as written; the message names the field."""


@dataclass(frozen=True)
class Preview:
    """A quick look before the whole batch: the first seconds of one presenter, low resolution."""

    seconds: float = 3.0
    height: int = 240


def read_text(path: Path, name: str) -> str:
    """A job file's `text_file`/`transcript_file` (UTF-8); SpecError naming `name` when unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{name}: cannot read {path} ({exc.strerror})") from exc


def str_mapping(value: Any, name: str, message: str) -> dict[str, str]:
    """{str: str} of a mapping (narrations); {} for none; SpecError(`message`) for anything else."""
    if value is None or value == {}:
        return {}
    if not isinstance(value, Mapping):
        raise SpecError(message)
    return {str(k): str(v) for k, v in value.items()}


def renderer_options(value: Any) -> dict[str, str | bool | int | float]:
    """Renderer options keep their JSON types (the schema's scalars): `follow_jaw: false` must
    stay False, not become the string "False", which a renderer would read as true."""
    if value is None or value == {}:
        return {}
    if not isinstance(value, Mapping):
        raise SpecError("renderer_options: must be a mapping, e.g. {checkpoint: w.pth}")
    for key, option in value.items():
        if not isinstance(option, (str, bool, int, float)):
            raise SpecError(f"renderer_options: {key} must be a string, number or true/false, "
                            f"not {type(option).__name__}")
    return {str(k): v for k, v in value.items()}


def voices(value: Any) -> dict[str, Any]:
    """`voices`: {language: voice} and/or {presenter: {language: voice}}, names stripped."""
    if not value:
        return {}
    if not isinstance(value, Mapping):
        raise SpecError("voices must map a language to a voice, e.g. {pt: kokoro:jf_nezumi}")
    out: dict[str, Any] = {}
    for key, voice in value.items():
        if isinstance(voice, Mapping):
            bad = [str(lang) for lang, v in voice.items() if not isinstance(v, str) or not v.strip()]
            if bad:
                raise SpecError(f"voices: {key!r} {', '.join(bad)} needs a voice name or female/male "
                                "(see `polydub voices`)")
            out[str(key)] = {str(lang): v.strip() for lang, v in voice.items()}
        elif isinstance(voice, str) and voice.strip():
            out[str(key)] = voice.strip()
        else:
            raise SpecError(f"voices: {key!r} needs a voice name (see `polydub voices`)")
    return out


def glossary_mapping(value: Any) -> dict[str, Any] | str:
    """The mapping form {keep: [...], forced: {language: {term: translation}}}, or a file reference."""
    if not value:
        return {}
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        raise SpecError("glossary: must be a mapping {keep: [terms], forced: {pt: {term: translation}}} or a file")
    unknown = sorted(set(value) - {"keep", "forced"})
    if unknown:
        raise SpecError(f"glossary: unknown key(s) {', '.join(map(str, unknown))}; use keep and forced")
    keep = value.get("keep") or []
    forced = value.get("forced") or {}
    if isinstance(keep, str) or not all(isinstance(k, str) for k in keep):
        raise SpecError("glossary: keep is a list of terms that are never translated")
    if not isinstance(forced, Mapping) or not all(isinstance(m, Mapping) for m in forced.values()):
        raise SpecError("glossary: forced maps a language to {term: translation}, e.g. {pt: {nozzle: bico}}")
    return {"keep": [str(k) for k in keep],
            "forced": {str(lang): {str(s): str(t) for s, t in m.items()} for lang, m in forced.items()}}


def preview(value: Any) -> Preview | None:
    """`preview`: true (the defaults), {seconds, height}, or nothing (None)."""
    if value is True:
        return Preview()
    if isinstance(value, Preview):
        return value
    if isinstance(value, Mapping):
        try:
            return Preview(**{k: type(getattr(Preview, k))(value[k]) for k in ("seconds", "height") if k in value})
        except (TypeError, ValueError):
            raise SpecError("preview: seconds and height must be numbers") from None
    if not value:
        return None
    raise SpecError("preview: must be true or {seconds: 3, height: 240}")


def flag(value: Any, name: str) -> bool:
    """A true/false field (also 0, 1 and null)."""
    if isinstance(value, bool):
        return value
    if value in (0, 1, None):
        return bool(value)
    raise SpecError(f"{name}: must be true or false")


def number(value: Any, name: str) -> float:
    """A number field (`rate`) as float."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SpecError(f"{name}: must be a number, e.g. 1.0") from None


def rgb(text: str) -> tuple[int, int, int]:
    """(R, G, B), 0-255 each, of any colour Pillow's ImageColor reads."""
    from PIL import ImageColor

    try:
        return ImageColor.getrgb(text)[:3]
    except ValueError:
        raise SpecError(f"background: {text!r} is not a colour; write it as #rrggbb (e.g. #808080) "
                        "or a colour name (white, gray)") from None


def colour(value: Any) -> str | None:
    """A colour as "#rrggbb" (lower case), from any form Pillow's ImageColor reads."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SpecError("background: give a colour as text: #rrggbb (e.g. #808080) or a colour name (white, gray)")
    return "#{:02x}{:02x}{:02x}".format(*rgb(value.strip()))


def track(value: Any) -> int | None:
    """`audio_track`: a stream number counting from 1, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() or int(value) < 1:
        raise SpecError("audio_track: give the audio stream's number, counting from 1")
    return int(value)
