"""Choosing exemplar mouths over time: Viterbi over a sliding window (pure, on arrays).

States are library entries in source order. Moving to the next entry (the next source frame)
is free, holding or stepping back costs a little, jumping anywhere costs more: the mouth
follows real runs of footage instead of flickering between look-alike frames. Each window is
solved with lookahead and only its first part is kept, so memory does not grow with length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np


def viterbi(unary: np.ndarray, consecutive: np.ndarray, start: int | None = None, *,
            hold: float = 0.25, back: float = 0.35, jump: float = 1.5, start_cost: float | None = None) -> np.ndarray:
    """Best state path through (T, K) costs.

    consecutive[k] is True when state k+1 follows state k in the source (a free step);
    `start`, when given, is the state before the first row (a transition from it is charged).
    """
    t_len, k = unary.shape
    back_ptr = np.zeros((t_len, k), np.int32)
    idx = np.arange(k)
    if start is None:
        cost = unary[0].astype(np.float64).copy()
    else:
        prev = np.full(k, np.inf)
        prev[start] = 0.0
        cost, back_ptr[0] = _step(prev, unary[0], consecutive, idx, hold, back, jump)
    for t in range(1, t_len):
        cost, back_ptr[t] = _step(cost, unary[t], consecutive, idx, hold, back, jump)
    path = np.empty(t_len, np.int64)
    path[-1] = int(np.argmin(cost))
    for t in range(t_len - 1, 0, -1):
        path[t - 1] = back_ptr[t, path[t]]
    return path


def _step(prev, unary, consecutive, idx, hold, back, jump):
    k = len(prev)
    best = prev + hold
    arg = idx.copy()
    # Forward step k-1 -> k, free when consecutive in the source.
    fwd = np.full(k, np.inf)
    fwd[1:] = np.where(consecutive, prev[:-1], prev[:-1] + jump * 0.5)
    better = fwd < best
    best = np.where(better, fwd, best)
    arg = np.where(better, idx - 1, arg)
    # Step back k+1 -> k (the mouth plays in reverse: still natural motion).
    bwd = np.full(k, np.inf)
    bwd[:-1] = np.where(consecutive, prev[1:] + back, prev[1:] + jump * 0.5)
    better = bwd < best
    best = np.where(better, bwd, best)
    arg = np.where(better, idx + 1, arg)
    j = int(np.argmin(prev))
    jmp = prev[j] + jump
    better = jmp < best
    best = np.where(better, jmp, best)
    arg = np.where(better, j, arg)
    return best + unary, arg


def sliding_viterbi(n: int, unary_rows: Callable[[int, int], np.ndarray], consecutive: np.ndarray, *,
                    window: int = 64, commit: int = 32, **costs) -> Iterator[int]:
    """Yield the chosen state for each of `n` steps; `unary_rows(a, b)` gives the (b - a, K)
    costs of steps a..b-1. Holds one window of costs at a time."""
    pos = 0
    state: int | None = None
    while pos < n:
        end = min(n, pos + window)
        path = viterbi(unary_rows(pos, end), consecutive, state, **costs)
        keep = len(path) if end == n else min(commit, len(path))
        yield from (int(p) for p in path[:keep])
        state = int(path[keep - 1])
        pos += keep
