import numpy as np

from lipsync.viterbi import sliding_viterbi, viterbi


def path_cost(path, unary, consecutive, hold=0.25, back=0.35, jump=1.5):
    total = unary[np.arange(len(path)), path].sum()
    for a, b in zip(path[:-1], path[1:]):
        if b == a + 1:
            total += 0 if consecutive[a] else jump * 0.5
        elif b == a:
            total += hold
        elif b == a - 1:
            total += back if consecutive[b] else jump * 0.5
        else:
            total += jump
    return total


def test_prefers_runs_of_consecutive_frames_over_lookalikes():
    rng = np.random.default_rng(0)
    k, t = 40, 30
    # Every state is about as good as any other: the path should run through the source.
    unary = 0.2 * rng.random((t, k))
    path = viterbi(unary, np.ones(k - 1, bool))
    steps = np.diff(path)
    assert np.mean(steps == 1) > 0.8
    # Negative control: with jumps free the same costs make the path flicker.
    flicker = viterbi(unary, np.ones(k - 1, bool), hold=0.25, back=0.35, jump=0.0)
    assert np.mean(np.diff(flicker) == 1) < 0.5


def test_follows_strong_shape_costs():
    k = 10
    unary = np.full((6, k), 10.0)
    for i, s in enumerate([2, 2, 7, 7, 4, 4]):
        unary[i, s] = 0.0
    assert list(viterbi(unary, np.ones(k - 1, bool))) == [2, 2, 7, 7, 4, 4]


def test_sliding_window_is_near_optimal_and_bounded():
    rng = np.random.default_rng(1)
    k, t = 25, 300
    unary = rng.random((t, k)) * 3
    cons = rng.random(k - 1) > 0.2
    seen = []

    def rows(a, b):
        seen.append(b - a)
        return unary[a:b]

    slid = np.array(list(sliding_viterbi(t, rows, cons, window=40, commit=20)))
    full = viterbi(unary, cons)
    assert len(slid) == t and max(seen) <= 40
    assert path_cost(slid, unary, cons) <= 1.05 * path_cost(full, unary, cons)
