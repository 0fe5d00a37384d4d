"""Lip-sync leaf: analyse presenter videos once, re-render them speaking any narration.

    engine = LipSyncEngine(cache_dir)
    result = engine.render(presenter, audio, sample_rate, phonemes, out)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from lipsync.errors import LipSyncError, MediaError, ModelNotFoundError, NoFaceError

if TYPE_CHECKING:
    from lipsync.analysis import PresenterAnalysis
    from lipsync.engine import LipSyncEngine, RenderResult
    from lipsync.report import PresenterReport

# The engine (OpenCV, SciPy, MediaPipe) loads on first use (PEP 562), so a command that only
# probes files or refuses a bad input does not pay ~0.4 s for it at start-up.
_LAZY = {"PresenterAnalysis": "lipsync.analysis", "LipSyncEngine": "lipsync.engine",
         "RenderResult": "lipsync.engine", "PresenterReport": "lipsync.report"}

__all__ = ["LipSyncEngine", "LipSyncError", "MediaError", "ModelNotFoundError", "NoFaceError",
           "PresenterAnalysis", "PresenterReport", "RenderResult"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lipsync' has no attribute {name!r}")
