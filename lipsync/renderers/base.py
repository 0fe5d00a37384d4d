"""The renderer contract: what every lip-sync renderer receives and must give back.

A renderer turns a stream of presenter frames into the same number of output frames in which
the mouth follows the narration. The engine (`lipsync.engine.LipSyncEngine`) does everything
around it: it analyses the presenter (cached), builds the mouth track from the phoneme
timeline, decodes the frames in playback order (ping-pong when the narration is longer), and
encodes the result with the narration as its audio track.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from lipsync.analysis import PresenterAnalysis
    from lipsync.mouth import MouthTrack


@dataclass(frozen=True)
class RenderJob:
    """Everything about one render that does not change from frame to frame.

    `analysis` is the presenter's cached analysis (per source frame: smoothed landmarks in
    pixels, head pose, mouth shape, face box, exemplar library; see `PresenterAnalysis`).
    `audio`/`sample_rate` are the raw narration (mono float32), for renderers driven by sound
    (Wav2Lip); `phonemes` the timeline; `mouth` the target mouth shape per output frame built
    from both. `source_indices[i]` is the source frame shown at output frame i.
    """

    presenter: Path
    analysis: PresenterAnalysis
    audio: np.ndarray
    sample_rate: int
    phonemes: Sequence[tuple[float, float, str]]
    mouth: MouthTrack
    fps: Fraction
    n_frames: int
    source_indices: np.ndarray
    #: output size (the source size, or smaller for a preview); landmarks in FrameInput are
    #: already scaled to it
    width: int
    height: int
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FrameInput:
    """One output frame to render.

    `image` is the source frame (RGB uint8, H x W x 3, C-contiguous, output size) and must not
    be modified in place. `landmarks` are the 478 smoothed MediaPipe points in pixels of
    `image` (float32, 478 x 2), None when the source frame has no face: return `image`
    unchanged then. `target` is the mouth track row for this frame (opening, width,
    rounding; see `lipsync.mouth`).
    """

    index: int
    source_index: int
    time: float
    image: np.ndarray
    landmarks: np.ndarray | None
    pose: np.ndarray | None
    target: np.ndarray


@runtime_checkable
class Renderer(Protocol):
    """A lip-sync renderer.

    Construction: ``Renderer(device="cpu", **options)``. Options are the renderer's own
    keyword arguments (Wav2Lip: ``checkpoint=Path``); heavy state such as model weights is
    loaded in ``__init__`` and kept on the instance, because the engine keeps renderer
    instances resident and reuses them for every render.

    Rendering: ``render(job, frames)`` receives the `RenderJob` once and an iterator of
    `FrameInput` in output order, and yields exactly one RGB uint8 frame (output size) per
    input, in the same order. It may read ahead (a Viterbi window, a batch for a neural
    network) but must hold only a bounded number of frames, never the whole video. The
    audio for a frame is ``job.audio[int(frame.time * job.sample_rate) ...]``; the mouth
    target is ``frame.target``. Frames whose ``landmarks`` is None must be yielded unchanged.

    Helpers every renderer may reuse: `lipsync.crops` (face and mouth boxes from landmarks),
    `lipsync.composite` (feathered lower-face mask kept inside the jaw line, colour match,
    blend), `lipsync.warping` (piecewise-affine mesh warp).
    """

    #: registry name ("exemplar", "warp", "wav2lip")
    name: ClassVar[str]

    def render(self, job: RenderJob, frames: Iterable[FrameInput]) -> Iterator[np.ndarray]: ...
