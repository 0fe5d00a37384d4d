"""The renderer contract: what every lip-sync renderer receives and must give back.

A renderer turns a stream of presenter frames into the same number of output frames in which
the mouth follows the narration. The engine (`lipsync.engine.LipSyncEngine`) does everything
around it: it analyses the presenter (cached), builds the mouth track from the phoneme
timeline, decodes the frames in playback order (ping-pong when the narration is longer) into
their Y'CbCr planes, hands the renderer only the lower-face box in RGB, writes the changed
pixels back into the planes and encodes the result with the narration as its audio track.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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


Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class FrameInput:
    """One output frame to render: the lower-face box of the source frame, in RGB.

    The frame itself stays in its decoded Y'CbCr planes (`lipsync.planes.YuvFrame`); only
    `box` is converted. `box` is (x0, y0, x1, y1) in frame pixels, even-aligned, around the
    lower face with room to spare (`lipsync.crops.render_box`); `crop` is its RGB (uint8,
    y1-y0 x x1-x0 x 3, C-contiguous; do not modify it in place). Both are None when the
    source frame has no face. `landmarks` are the 478 smoothed MediaPipe points in frame
    pixels (float32, 478 x 2), None without a face; `crop_landmarks` the same points in crop
    pixels. `region(box)` gives the RGB of any other even-aligned box of the frame
    (read-only context, e.g. the whole face a network looks at); it costs one conversion.
    `width`, `height`: the frame's size. `target` is the mouth track row for this frame
    (opening, width, rounding; see `lipsync.mouth`).
    """

    index: int
    source_index: int
    time: float
    crop: np.ndarray | None
    box: Box | None
    landmarks: np.ndarray | None
    pose: np.ndarray | None
    target: np.ndarray
    width: int
    height: int
    region: Callable[[Box], np.ndarray] | None = None

    @property
    def crop_landmarks(self) -> np.ndarray | None:
        if self.landmarks is None or self.box is None:
            return None
        return self.landmarks - np.array(self.box[:2], np.float32)


@runtime_checkable
class Renderer(Protocol):
    """A lip-sync renderer.

    Construction: ``Renderer(device="cpu", **options)``. Options are the renderer's own
    keyword arguments (Wav2Lip: ``checkpoint=Path``); heavy state such as model weights is
    loaded in ``__init__`` and kept on the instance, because the engine keeps renderer
    instances resident and reuses them for every render.

    Rendering: ``render(job, frames)`` receives the `RenderJob` once and an iterator of
    `FrameInput` in output order, and yields exactly one result per input, in the same
    order: the changed crop (RGB uint8, the shape of ``frame.crop``: the new content of
    ``frame.box``), or None to leave the frame as decoded. Frames whose ``crop`` is None (no
    face) must yield None. The engine writes back only the pixels of the crop that differ
    from ``frame.crop`` (luma per pixel, chroma per 2x2 block), so everything the renderer
    leaves alone reaches the encoder bit-exact as decoded. A renderer may read ahead (a
    Viterbi window, a batch for a neural network) but must hold only a bounded number of
    frames, never the whole video. The audio for a frame is
    ``job.audio[int(frame.time * job.sample_rate) ...]``; the mouth target is ``frame.target``.

    Helpers every renderer may reuse: `lipsync.crops` (face and mouth boxes from landmarks),
    `lipsync.composite` (feathered lower-face mask kept inside the jaw line, or, for a
    renderer that moves the chin, reaching below it round the chin but never beside the face;
    colour match, blend), `lipsync.warping` (piecewise-affine mesh warp). The box reaches
    `lipsync.crops.CHIN_ROOM` x face size further below the chin for that.
    """

    #: registry name ("exemplar", "warp", "wav2lip")
    name: ClassVar[str]

    def render(self, job: RenderJob, frames: Iterable[FrameInput]) -> Iterator[np.ndarray | None]: ...
