"""A voice per presenter: the presenter's voice profile from their own track, and the choice of a
synthetic voice for them in each language (the job runner calls these when it analyses a presenter).

    profile = presenter_voice_profile("presenter.mp4")                # measured, or declared/default
    choice = presenter_voice_choice(profile, "pt", override=None)      # VoiceChoice(voice, reason)
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pipeline.errors import wrap_leaf_errors

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
    from lipsync.media import read_audio
    from tts.profile import NoSpeechError

    from pipeline.errors import InputError

    path = Path(path)
    if not path.is_file():
        raise InputError(f"presenter {path} does not exist: give the path of a video or photo")
    with wrap_leaf_errors():
        try:
            audio, rate = read_audio(path)
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
