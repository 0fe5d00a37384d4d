"""Errors of the pipeline. Leaf errors are wrapped here so callers see one family."""


class PipelineError(Exception):
    """Base of every error raised by `pipeline`."""


class ModelNotFoundError(PipelineError):
    """A named model is in none of the places searched."""


class JobError(PipelineError):
    """A job spec is invalid, or a job cannot be found or changed as asked."""


class DiskFullError(PipelineError):
    """Too little free disk to start or finish the work."""


class InputError(PipelineError):
    """The user's input (a file, a script, a language) cannot be used; the message says why."""


def leaf_errors() -> tuple[type[Exception], ...]:
    """The base error of each leaf, so one `except` converts them all."""
    from lipsync.errors import LipSyncError
    from translate.errors import TranslationError
    from tts.errors import SpeechError

    return (LipSyncError, SpeechError, TranslationError)


class wrap_leaf_errors:
    """Context manager: re-raise any leaf error as InputError with the same message."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None and isinstance(exc, leaf_errors()):
            raise InputError(str(exc)) from exc
        return False
