"""Errors of the translation leaf. Each message says what was wrong and what to do."""


class TranslationError(Exception):
    """Base of every error raised by `translate`."""


class EmptySourceError(TranslationError):
    """The script or recording holds no text."""


class UnsupportedPairError(TranslationError):
    """No installed model translates between the two languages."""


class MixedLanguageError(TranslationError):
    """A script read as a given language has lines clearly in another language."""


class ModelLoadError(TranslationError):
    """A translation or transcription model folder is missing or damaged."""


class TranscriptionError(TranslationError):
    """A recording could not be transcribed."""
