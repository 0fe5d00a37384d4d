"""Language packs: per language, the rendered videos, the narration, SRT and WebVTT
subtitles, the translated script and a manifest, zipped.

The manifest's `quality` section holds the subtitle layout report (`SubtitleLayout.report()`:
the rules applied, the number of cues and every cue that breaks one, e.g. a cue read faster
than the rules allow); `segments` (added by the pack task) says what became of every piece of
the source script (`pipeline.segments.segment_report`)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pipeline import __version__
from pipeline.atomic import atomic_path, write_text_atomic
from pipeline.subtitles import layout_cues, to_srt, to_vtt

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class PackedVideo:
    """One rendered video of a language pack, as its manifest lists it (duration in seconds,
    `fps` an exact fraction such as "30000/1001")."""

    presenter: str
    file: str
    renderer: str
    duration: float
    fps: str
    width: int
    height: int
    frames_without_face: int
    #: what decoding did to the presenter's picture, one sentence each (`RenderResult.options`)
    conversions: tuple[str, ...] = ()
    #: the most faces in view at once (the largest is lip-synced) and the width, jaw to jaw in
    #: px, of the largest other face, which keeps its own mouth (`lipsync.report.PresenterReport`)
    faces_in_frame: int = 1
    other_face_px: float = 0.0
    #: the presenter's picture as displayed (w, h) when the file's size differs (an odd size
    #: padded to even); () when the same
    source_size: tuple[int, ...] = ()


@dataclass(frozen=True)
class LanguagePack:
    """One language's pack: its folder, its zip, the videos in it and the renders that failed."""

    language: str
    folder: Path
    zip_path: Path
    videos: tuple[PackedVideo, ...]
    failures: tuple[dict, ...] = ()
    manifest: dict = field(default_factory=dict, repr=False)


def faces_in_view(analysis: Path | None) -> dict[str, Any]:
    """{"faces_in_frame", "other_face_px"} from the presenter report (`report.json`) in the
    analysis folder a render used, when more than one face was in view, so the manifest says
    the largest was lip-synced; {} otherwise (or without a report)."""
    try:
        report = json.loads((Path(analysis) / "report.json").read_text(encoding="utf-8")) if analysis else {}
    except (OSError, ValueError):
        return {}
    faces = int(report.get("faces_in_frame") or 1)
    if faces <= 1:
        return {}
    return {"faces_in_frame": faces, "other_face_px": round(float(report.get("other_face_px") or 0.0), 1)}


def video_entry(presenter: str, result) -> PackedVideo:
    """Describe one render (a `lipsync.RenderResult`) for the manifest."""
    return PackedVideo(
        presenter=presenter, file=f"videos/{Path(result.path).name}", renderer=result.renderer,
        duration=round(float(result.duration), 3), fps=str(result.fps), width=result.width,
        height=result.height, frames_without_face=int(result.frames_without_face),
        conversions=tuple((getattr(result, "options", None) or {}).get("conversions") or ()))


#: EXIF orientation values (TIFF tag 0x0112, EXIF 2.32 section 4.6.5) and what showing the photo
#: upright does to it
_EXIF_TURNS = {2: "mirrored", 3: "turned 180 degrees", 4: "flipped upside down", 5: "mirrored and turned",
               6: "turned 90 degrees clockwise", 7: "mirrored and turned", 8: "turned 90 degrees counter-clockwise"}


def rendered_picture(rendered: Path, source: Path, width: int, height: int,
                     conversions: Sequence[str]) -> dict[str, Any]:
    """A render's picture entries for the manifest as its file is: `width` and `height` probed
    from `rendered` (an odd-sized source is padded by a pixel: H.264 in 4:2:0 needs even sizes),
    with `source_size` [w, h] (the picture as displayed, `width` x `height` from the renderer)
    when it differs, and `conversions` with a line for that padding and, for a photo stored
    sideways, one for its EXIF orientation (as a rotated video gets one). Raises OSError or
    av.error.FFmpegError for an unreadable render."""
    import av

    with av.open(str(rendered)) as container:
        stream = container.streams.video[0]
        file_w, file_h = int(stream.codec_context.width), int(stream.codec_context.height)
    lines = list(conversions)
    turn = _exif_turn(source)
    if turn and not any("EXIF" in line for line in lines):
        lines.append(f"{turn} to {width}x{height}, as its EXIF orientation says")
    entry: dict[str, Any] = {"width": file_w, "height": file_h, "conversions": lines}
    if (file_w, file_h) != (width, height):
        entry["source_size"] = [width, height]
        lines.append(f"padded from {width}x{height} to {file_w}x{file_h} (H.264 needs even sizes)")
    return entry


def _exif_turn(source: Path) -> str | None:
    """What a photo's EXIF orientation does to it ("turned 90 degrees clockwise"); None for a
    video, an upright photo or one that cannot be read (the render said why)."""
    from PIL import Image, UnidentifiedImageError

    if source.suffix.lower() not in {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff"}:
        return None
    try:
        with Image.open(source) as img:
            return _EXIF_TURNS.get(int(img.getexif().get(0x0112, 1)))
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def write_pack(
    folder: Path,
    *,
    language: str,
    speech,
    script_text: str,
    videos: Sequence[PackedVideo],
    models: Mapping[str, str],
    source_language: str | None = None,
    failures: Sequence[dict] = (),
    extra: Mapping[str, object] | None = None,
) -> LanguagePack:
    """Write subtitles, script and manifest into `folder` (videos/ and narration already
    there) and zip the folder beside it. Returns the pack.

    `speech` is a `tts.Speech`; its sentences and word timings are laid out as cues by
    `pipeline.subtitles.layout_cues` (line length and lines per cue of the speech's language),
    and the layout report goes into the manifest as `quality.subtitles`. `extra` entries are
    added to the manifest as they are: the pack task's `segments`, and with synthesized speech
    `voices` (per presenter: `pipeline.voicing.voice_record`, the voice and why), `narration_voice`
    (narration.wav and the subtitles are the first presenter's voice) and, when the language has
    several voices, `narrations` (narration-<voice>.wav per voice, with its presenters)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    layout = layout_cues(speech.sentences, speech.words, language=speech.language, until=speech.duration)
    _write_text(folder / "subtitles.srt", to_srt(layout.cues))
    _write_text(folder / "subtitles.vtt", to_vtt(layout.cues))
    _write_text(folder / "script.md", script_text.rstrip() + "\n")
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "generator": f"polydub {__version__}",
        "synthetic_media": True,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "language": language,
        "source_language": source_language,
        "narration": {"file": "narration.wav", "duration": round(speech.duration, 3),
                      "voice": speech.voice, "backend": speech.backend,
                      "sample_rate": speech.sample_rate},
        "subtitles": ["subtitles.srt", "subtitles.vtt"],
        "script": "script.md",
        "videos": [_video_record(v) for v in videos],
        "failures": list(failures),
        "models": dict(models),
        "quality": {"subtitles": layout.report()},
    }
    if extra:
        manifest.update(extra)
    _write_text(folder / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    zip_path = zip_folder(folder, folder.with_suffix(".zip"))
    return LanguagePack(language, folder, zip_path, tuple(videos), tuple(failures), manifest)


def _video_record(video: PackedVideo) -> dict[str, Any]:
    record = {**video.__dict__, "conversions": list(video.conversions), "source_size": list(video.source_size)}
    if not video.source_size:
        del record["source_size"]
    return record


def zip_folder(folder: Path, zip_path: Path) -> Path:
    """Zip a folder (entries relative to it), whole or not at all (`atomic_path`)."""
    with atomic_path(zip_path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                # Videos and audio are compressed already: store them.
                kind = zipfile.ZIP_STORED if path.suffix in {".mp4", ".m4a", ".zip"} else zipfile.ZIP_DEFLATED
                zf.write(path, path.relative_to(folder).as_posix(), compress_type=kind)
    return zip_path


def _write_text(path: Path, text: str) -> None:
    write_text_atomic(path, text)
