"""Comparing phoneme timelines in tests."""

from __future__ import annotations

import difflib

import numpy as np


def midpoint_error(a, b) -> float:
    """Median gap (seconds) between the midpoints of the phones two timelines share, matched in
    order by their phone symbols (`tts.types.Phone` sequences); asserts most phones are shared."""
    sm = difflib.SequenceMatcher(a=[p.phone for p in a], b=[p.phone for p in b], autojunk=False)
    errors = [abs((a[i + k].start + a[i + k].end) / 2 - (b[j + k].start + b[j + k].end) / 2)
              for i, j, n in sm.get_matching_blocks() for k in range(n)]
    assert len(errors) > 0.6 * min(len(a), len(b)), "most phones are shared"
    return float(np.median(errors))
