"""Errors of the speech leaf. Each message says what was wrong and what to do."""


class SpeechError(Exception):
    """Base of every error raised by `tts`."""


class UnsupportedLanguageError(SpeechError):
    """No installed voice speaks the requested language."""


class VoiceNotFoundError(SpeechError):
    """A named voice or its model files are missing."""


class EmptyTextError(SpeechError):
    """There is nothing to say."""


class AlignmentError(SpeechError):
    """Timed words could not be turned into a phoneme timeline."""


class UnsupportedTextError(SpeechError):
    """The text is in a script the chosen voice cannot read (e.g. kanji for a kana-only reader)."""


class BackendUnavailableError(VoiceNotFoundError):
    """A backend's package or model is not installed."""
