"""Errors of the lip-sync leaf. Each message says what was wrong and what to do."""


class LipSyncError(Exception):
    """Base of every error raised by `lipsync`."""


class MediaError(LipSyncError):
    """A media file is missing, unreadable, damaged or of the wrong kind."""


class TruncatedMediaError(MediaError):
    """A media file is cut off: it decodes clearly shorter than its header declares."""


class NoFaceError(LipSyncError):
    """The presenter footage shows no usable face."""


class ModelNotFoundError(LipSyncError):
    """A model file the renderer needs is not where it was looked for."""


class UnknownRendererError(LipSyncError):
    """A renderer name that is not in the registry."""


class RenderError(LipSyncError):
    """A render could not be made from the inputs given (bad audio, bad timeline, bad options)."""


# --- face size (small faces in wide shots) ---


class FaceTooSmallError(NoFaceError):
    """A face was found but is smaller than the tracker's minimum; the message gives its
    width and the minimum, both jaw to jaw in the frame's pixels."""
