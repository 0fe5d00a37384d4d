"""Lip-sync leaf: analyse presenter videos once, re-render them speaking any narration.

    engine = LipSyncEngine(cache_dir)
    result = engine.render(presenter, audio, sample_rate, phonemes, out)
"""

from lipsync.analysis import PresenterAnalysis
from lipsync.engine import LipSyncEngine, RenderResult
from lipsync.errors import LipSyncError, MediaError, ModelNotFoundError, NoFaceError
from lipsync.report import PresenterReport

__all__ = ["LipSyncEngine", "LipSyncError", "MediaError", "ModelNotFoundError", "NoFaceError",
           "PresenterAnalysis", "PresenterReport", "RenderResult"]
