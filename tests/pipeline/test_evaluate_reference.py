"""eval sync's reference: a straight re-encode of the decoded planes, in playback order."""

import math
from types import SimpleNamespace

import numpy as np

from lipsync import media
from lipsync.colour import output_tags
from pipeline.evaluate.sync import _reference


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 10 * math.log10(255 ** 2 / max(mse, 1e-9))


def test_reference_is_a_straight_reencode_forwards_and_backwards(demo_presenter, tmp_path):
    info = media.probe(demo_presenter).video
    n_out = 2 * info.frames + 10  # forwards, backwards, forwards again
    ref = _reference(demo_presenter, SimpleNamespace(width=info.width, height=info.height, frames=n_out),
                     tmp_path / "reference.mp4")
    tags = output_tags(info.width, info.height, info.colour)
    source = list(media.iter_planes(demo_presenter, tags))
    order = list(media.playback_indices(info.frames, n_out))
    got = list(media.iter_planes(ref, tags))
    assert len(got) == n_out
    scores = [_psnr(g.planes()[0], source[k].planes()[0]) for g, k in zip(got, order)]
    # one CRF 18 generation from the decoded planes, forwards and backwards (the ping-pong
    # intermediate is lossless), each frame the source frame its playback order names
    assert min(scores) > 40
    for i in range(info.frames + 5, 2 * info.frames - 5, 7):
        k = order[i]
        assert scores[i] > _psnr(got[i].planes()[0], source[k + 3].planes()[0]) + 3
