"""Frame assembly: decoded planes in, lower-face crops to the renderer, changed pixels back.

The engine's half of the renderer contract (`lipsync.renderers.base.Renderer`): each source
frame stays in its decoded yuv420p planes; a frame with a face hands the renderer only its
lower-face box in RGB (`lipsync.crops.render_box`), and the crop the renderer returns is
written back where it changed (`lipsync.planes.YuvFrame.with_rgb`). Everything else reaches
the encoder exactly as decoded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

import cv2
import numpy as np

from lipsync.crops import render_box
from lipsync.errors import MediaError, RenderError
from lipsync.planes import YuvFrame
from lipsync.renderers.base import FrameInput, RenderJob


class FrameAssembly:
    """Pairs each `FrameInput` handed to a renderer with its planes, in order.

    `scale` (< 1 for a preview) resizes frames through RGB (the planes cannot be kept then);
    `enc_size` is the (width, height) of the planes the writer takes (the output size
    rounded up to even). The renderer may read ahead: pending frames wait in a queue,
    bounded by the renderer's own read-ahead. `no_face` counts frames without a face.
    """

    def __init__(self, job: RenderJob, *, scale: float = 1.0, enc_size: tuple[int, int]):
        self.job = job
        self.scale = scale
        self.enc_size = enc_size
        self.no_face = 0
        self._pending: deque[tuple[YuvFrame, FrameInput]] = deque()

    def inputs(self, planes: Iterable[tuple[int, YuvFrame]]) -> Iterator[FrameInput]:
        """`FrameInput`s for (source index, planes) pairs in output order."""
        a = self.job.analysis
        for i, (src, frame) in enumerate(planes):
            src = min(src, a.n_frames - 1)
            frame = self._sized(frame, src)
            lm = pose = box = crop = None
            if a.has_face[src]:
                lm = np.asarray(a.landmarks[src], np.float32) * self.scale
                pose = a.pose[src]
                box = render_box(lm, frame.width, frame.height)
                crop = frame.rgb(box)
            else:
                self.no_face += 1
            item = FrameInput(index=i, source_index=src, time=i / float(self.job.fps), crop=crop, box=box,
                              landmarks=lm, pose=pose, target=self.job.mouth.shape[i], width=frame.width,
                              height=frame.height, region=frame.rgb)
            self._pending.append((frame, item))
            yield item

    def assemble(self, result: np.ndarray | None, renderer: str) -> YuvFrame:
        """The planes of the next output frame, with the renderer's `result` for it."""
        if not self._pending:
            raise RenderError(f"renderer {renderer!r} gave more frames than it was given; the renderer is broken")
        frame, item = self._pending.popleft()
        if result is None or item.crop is None:
            return frame
        if result.shape != item.crop.shape or result.dtype != np.uint8:
            raise RenderError(f"renderer {renderer!r} gave a {result.dtype} crop of shape {result.shape} for a "
                              f"{item.crop.shape} lower-face box; the renderer is broken")
        return frame.with_rgb(item.box, item.crop, result)

    def _sized(self, frame: YuvFrame, src: int) -> YuvFrame:
        w, h = self.enc_size
        if self.scale != 1.0:
            a = self.job.analysis
            image = frame.rgb()[: a.height, : a.width]
            small = cv2.resize(image, (self.job.width, self.job.height), interpolation=cv2.INTER_AREA)
            frame = YuvFrame.from_rgb(small, frame.matrix)
        if (frame.width, frame.height) != (w, h):
            raise MediaError(f"{self.job.presenter}: frame {src} is {frame.width}x{frame.height}, not {w}x{h}; "
                             "re-export the video at one size")
        return frame
