"""Audio streams of a container: which one to use, and decoding it to mono samples.

A container may hold several audio tracks (languages, commentary). `read_audio` uses the one
the caller names (1-based, counting audio streams only), else the track the file marks as
default (its disposition), else the first; the others are named in the log so a wrong choice
can be seen. It also refuses a cut-off file: a stream that decodes to clearly less than the
duration its header declares (see `check_duration`).
"""

from __future__ import annotations

import logging
import wave
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from lipsync.errors import MediaError, TruncatedMediaError

log = logging.getLogger(__name__)

#: A stream may decode up to this much shorter than its header says before it counts as cut
#: off: encoder priming and padding (AAC: 1024-2112 samples) stay well inside it.
TRUNCATION_TOLERANCE_S = 0.2
TRUNCATION_TOLERANCE_SHARE = 0.01


@dataclass(frozen=True)
class AudioTrack:
    """One audio stream of a container, as a user would name it."""

    #: 1-based position among the container's audio streams (what `--audio-track` takes)
    number: int
    #: the stream's index among all streams of the container
    index: int
    #: the stream's language tag ("eng", "de"...) or "" when untagged
    language: str
    title: str
    default: bool
    codec: str
    channels: int
    sample_rate: int

    def describe(self) -> str:
        parts = [f"track {self.number}"]
        if self.language:
            parts.append(f"language {self.language}")
        if self.title:
            parts.append(f"title {self.title!r}")
        if self.default:
            parts.append("default")
        return ", ".join(parts)


def _is_default(stream) -> bool:
    try:
        return bool(stream.disposition & av.stream.Disposition.default)
    except (AttributeError, TypeError):
        return False


def audio_tracks(container: av.container.InputContainer) -> list[AudioTrack]:
    """Every audio stream of an open container, numbered from 1."""
    tracks = []
    for number, stream in enumerate(container.streams.audio, start=1):
        meta = {str(k).lower(): str(v) for k, v in stream.metadata.items()}
        tracks.append(AudioTrack(
            number=number, index=stream.index,
            language=(getattr(stream, "language", None) or meta.get("language", "")).strip(),
            title=meta.get("title", "").strip(), default=_is_default(stream),
            codec=stream.codec_context.name, channels=stream.codec_context.channels,
            sample_rate=int(stream.rate or stream.codec_context.sample_rate or 0)))
    return tracks


def choose_track(tracks: list[AudioTrack], path: Path, track: int | None) -> AudioTrack:
    """The track to use: `track` (1-based) when given, else the default one, else the first.

    Raises MediaError (one line, naming how many tracks there are) for a number that does not
    exist or a file without audio. Logs the tracks left out.
    """
    if not tracks:
        raise MediaError(f"{path}: has no audio stream; give a file with speech in it")
    if track is not None:
        if isinstance(track, bool) or not isinstance(track, int) or not 1 <= track <= len(tracks):
            count = f"{len(tracks)} audio track" + ("s" if len(tracks) != 1 else "")
            raise MediaError(f"{path}: has no audio track {track!r}; it has {count} "
                             f"(give a number from 1 to {len(tracks)})")
        chosen = tracks[track - 1]
    else:
        chosen = next((t for t in tracks if t.default), tracks[0])
    if len(tracks) > 1:
        others = "; ".join(t.describe() for t in tracks if t is not chosen)
        how = "as asked" if track is not None else ("marked default" if chosen.default else "the first")
        log.info("%s: using audio %s (%s); other audio tracks: %s", path, chosen.describe(), how, others)
    return chosen


def check_duration(path: Path, readable: float, declared: float, *, accept_truncated: bool,
                   what: str = "audio") -> None:
    """Refuse a stream that decodes clearly shorter than its header declares (a cut-off file).

    `readable` and `declared` are in seconds; `declared` <= 0 means the header declares none.
    Raises TruncatedMediaError unless `accept_truncated`, in which case it logs a warning.
    """
    if declared <= 0:
        return
    if declared - readable <= max(TRUNCATION_TOLERANCE_S, TRUNCATION_TOLERANCE_SHARE * declared):
        return
    message = (f"{path}: the {what} is cut off: {readable:.2f} s readable of {declared:.2f} s declared; "
               "re-export or re-copy the file, or accept the shorter file with --accept-truncated")
    if not accept_truncated:
        raise TruncatedMediaError(message)
    log.warning("%s (accepted)", message.split(";")[0])


def wav_declared_duration(path: Path) -> float:
    """Seconds of audio a WAV's header declares (data chunk size); 0 when unknown."""
    # FFmpeg clamps a WAV's duration to the bytes present, so the header is read here: its
    # data chunk size is what the file declares. 0 and 0xFFFFFFFF mean "unknown" (streamed).
    try:
        with wave.open(str(path), "rb") as w:
            frames, rate = w.getnframes(), w.getframerate()
    except (wave.Error, EOFError, OSError):
        return 0.0
    if rate <= 0 or frames <= 0 or frames * w.getsampwidth() * w.getnchannels() >= 0xFFFFFFFF:
        return 0.0
    return frames / float(rate)


def _declared_duration(container, stream, path: Path) -> float:
    """What the header says this stream lasts, in seconds; 0 when it does not say."""
    if path.suffix.lower() == ".wav" and container.format.name == "wav":
        return wav_declared_duration(path)
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = {str(k).upper(): str(v) for k, v in stream.metadata.items()}.get("DURATION", "")
    try:  # Matroska writes each stream's length as a tag, "HH:MM:SS.nnnnnnnnn"
        hours, minutes, seconds = tag.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        pass
    # The container's duration is the longest stream's: it speaks for this one only when alone.
    if container.duration and len(container.streams) == 1:
        return container.duration / av.time_base
    return 0.0


def decode_audio(container: av.container.InputContainer, path: Path, sample_rate: int | None = None, *,
                 track: int | None = None, accept_truncated: bool = False) -> tuple[np.ndarray, int]:
    """Decode one audio track of an open container to mono float32 in [-1, 1].

    Returns (samples of shape (n,), sample rate in Hz). Raises MediaError for a missing track,
    damaged or empty audio, TruncatedMediaError for a cut-off stream (see `check_duration`).
    """
    chosen = choose_track(audio_tracks(container), path, track)
    stream = next(s for s in container.streams.audio if s.index == chosen.index)
    rate = sample_rate or stream.rate or stream.codec_context.sample_rate
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    chunks: list[np.ndarray] = []
    try:
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    except av.FFmpegError as exc:
        raise MediaError(f"{path}: the audio is damaged ({exc}); re-export it") from exc
    if not chunks:
        raise MediaError(f"{path}: the audio stream holds no samples")
    audio = np.concatenate(chunks).astype(np.float32, copy=False)
    check_duration(path, len(audio) / float(rate), _declared_duration(container, stream, path),
                   accept_truncated=accept_truncated)
    return np.clip(audio, -1.0, 1.0), int(rate)

