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


#: each leaf's errors module and base error
_LEAF_ERRORS = (("lipsync.errors", "LipSyncError"), ("tts.errors", "SpeechError"),
                ("translate.errors", "TranslationError"))


def leaf_errors() -> tuple[type[Exception], ...]:
    """The base error of each leaf that is imported, so one `except` converts them all. A
    leaf not imported yet has raised nothing, and importing it here would put its package on
    the path of every refusal (`tts` pulls in scipy.signal: seconds before a bad script is
    refused)."""
    import sys

    return tuple(getattr(sys.modules[module], name) for module, name in _LEAF_ERRORS if module in sys.modules)


class wrap_leaf_errors:
    """Context manager: re-raise any leaf error as InputError with the same message."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None and isinstance(exc, leaf_errors()):
            raise InputError(str(exc)) from exc
        return False
