"""Composes the leaves (translate, tts, lipsync) into jobs; the only package that imports
all three."""

from pipeline.errors import DiskFullError, InputError, JobError, ModelNotFoundError, PipelineError

__version__ = "0.1.0"

__all__ = ["DiskFullError", "InputError", "JobError", "ModelNotFoundError", "PipelineError", "__version__"]
