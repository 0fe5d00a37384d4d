"""The "wav2lip" renderer: the Wav2Lip generator inside the engine's analysis and compositor.

Per output frame: a face crop from the cached landmarks (extended toward the chin, as the
original pads its detector boxes downwards), the 16-step mel window centred on the frame,
batched inference, and the 96x96 face upscaled and blended back with the engine's
feathered lower-face mask after a colour match: only the region inside the jaw line changes,
never a pasted box.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar

import cv2
import numpy as np
import torch

from lipsync.composite import blend, feathered_mask, lower_face_polygon, match_colour, mouth_polygon_mask
from lipsync.crops import clip_box
from lipsync.errors import RenderError
from lipsync.landmarks import CHIN, face_scale
from lipsync.planes import even_box
from lipsync.renderers.base import FrameInput, RenderJob
from lipsync.wav2lip.audio import SAMPLE_RATE, mel_window_starts, mel_windows, melspectrogram
from lipsync.wav2lip.checkpoint import default_device, find_checkpoint, load_checkpoint
from lipsync.wav2lip.model import Wav2LipModel

log = logging.getLogger(__name__)

FACE_SIZE = 96
MEL_STEP = 16
#: the original's default batch for the generator
DEFAULT_BATCH_SIZE = 128
#: extra room below the chin, as a share of the face height (the original pads its
#: detector boxes 10 px downwards so the chin is never cut off when the mouth opens)
CHIN_PAD = 0.08
#: feather of the blend mask, as a share of the face size (eye-corner distance)
FEATHER = 0.12


def face_crop_box(points: np.ndarray, width: int, height: int, chin_pad: float = CHIN_PAD) -> tuple[int, int, int, int]:
    """Square-ish crop from the top of the landmarks to below the chin, centred on the face.

    The generator was trained on face-detector boxes (brow to chin, about square); the box is
    widened to a square around the face so the 96x96 input keeps the face's proportions.
    """
    lo, hi = points.min(0), points.max(0)
    face_h = float(hi[1] - lo[1])
    y0 = float(lo[1])
    y1 = float(max(hi[1], points[CHIN, 1])) + chin_pad * face_h
    side = max(y1 - y0, float(hi[0] - lo[0]))
    cx = float(lo[0] + hi[0]) / 2
    return clip_box((cx - side / 2, y0, cx + side / 2, y0 + side), width, height)


def network_faces(crops: Sequence[np.ndarray]) -> np.ndarray:
    """(B, 6, 96, 96) float32 input from 96x96 RGB crops: the crop with its lower half blacked
    out, then the crop itself as the reference; BGR in [0, 1], as the original network saw."""
    bgr = np.stack([c[..., ::-1] for c in crops]).astype(np.float32) / 255.0
    masked = bgr.copy()
    masked[:, FACE_SIZE // 2:] = 0.0
    return np.ascontiguousarray(np.concatenate([masked, bgr], axis=3).transpose(0, 3, 1, 2))


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, torch.OutOfMemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


class Wav2LipRenderer:
    """Neural lip-sync with a Wav2Lip generator checkpoint.

    `checkpoint`: the .pth file (or a folder holding wav2lip_gan.pth / wav2lip.pth), as the
    caller resolved it (pipeline: `--checkpoint` or the model store's `wav2lip` entry). `model`: a Wav2LipModel object, which wins over `checkpoint`.
    `device`: "cuda", "cpu", or None / "auto" for CUDA when available. `batch_size`: frames
    per forward pass, halved for the rest of the instance's life whenever the device runs out
    of memory. `fp16`: half precision, default on CUDA only.

    Memory: `render` reads ahead one batch of frames (128 frames of 1080p are about 800 MB);
    lower `batch_size` for large frames on small machines.
    """

    name: ClassVar[str] = "wav2lip"

    def __init__(self, device: str | torch.device | None = None, *, checkpoint: str | os.PathLike | None = None,
                 model: Wav2LipModel | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                 fp16: bool | None = None):
        if device is None or str(device) == "auto":
            self.device = default_device()
        else:
            self.device = torch.device(device)
            if self.device.type == "cuda" and not torch.cuda.is_available():
                log.warning("CUDA asked for but not available; the Wav2Lip renderer runs on the CPU")
                self.device = torch.device("cpu")
        if batch_size < 1:
            raise RenderError(f"batch size must be at least 1, got {batch_size}")
        self.batch_size = int(batch_size)
        self.fp16 = self.device.type == "cuda" if fp16 is None else bool(fp16)
        if model is None:
            self.checkpoint = find_checkpoint(checkpoint)
            model = load_checkpoint(self.checkpoint, self.device)
        else:
            self.checkpoint = None
            model = model.to(self.device).eval()
        model = model.half() if self.fp16 else model.float()
        # channels-last convolutions run about a quarter faster on this CPU (oneDNN) and suit tensor cores
        self.model = model.to(memory_format=torch.channels_last)

    # ------------------------------------------------------------------ inference

    def infer(self, mels: np.ndarray, faces: np.ndarray) -> np.ndarray:
        """Generated faces (N, 96, 96, 3) RGB uint8 for mel windows (N, 80, 16) and network
        faces (N, 6, 96, 96), in batches of `batch_size`, halving it on out-of-memory."""
        out = np.empty((len(faces), FACE_SIZE, FACE_SIZE, 3), np.uint8)
        dtype = torch.float16 if self.fp16 else torch.float32
        start = 0
        while start < len(faces):
            stop = min(len(faces), start + self.batch_size)
            try:
                with torch.inference_mode():
                    audio = torch.from_numpy(mels[start:stop, None]).to(self.device, dtype)
                    face = torch.from_numpy(faces[start:stop]).to(self.device, dtype)
                    audio = audio.contiguous(memory_format=torch.channels_last)
                    face = face.contiguous(memory_format=torch.channels_last)
                    pred = self.model(audio, face).float().clamp_(0, 1).mul_(255).round_()
                    pred = pred.to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
            except (torch.OutOfMemoryError, RuntimeError) as exc:
                if not _is_out_of_memory(exc):
                    raise
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                if self.batch_size == 1:
                    raise RenderError(
                        f"the Wav2Lip generator ran out of memory on {self.device} even one frame at a time; "
                        "free memory on the device or use --renderer exemplar"
                    ) from exc
                self.batch_size = max(1, self.batch_size // 2)
                log.warning("out of memory on %s; Wav2Lip batch size halved to %d", self.device, self.batch_size)
                continue
            out[start:stop] = pred[..., ::-1]  # the network speaks BGR
            start = stop
        return out

    # ------------------------------------------------------------------ rendering

    def render(self, job: RenderJob, frames: Iterable[FrameInput]) -> Iterator[np.ndarray | None]:
        """The changed lower-face crop per frame (None without a face); see `Renderer`."""
        audio = np.asarray(job.audio, np.float32)
        if job.sample_rate != SAMPLE_RATE:
            from scipy.signal import resample_poly

            g = math.gcd(int(job.sample_rate), SAMPLE_RATE)
            audio = resample_poly(audio, SAMPLE_RATE // g, int(job.sample_rate) // g).astype(np.float32)
        mel = melspectrogram(audio)
        starts = mel_window_starts(job.n_frames, float(job.fps), mel.shape[1], MEL_STEP)

        pending: list[FrameInput] = []
        for frame in frames:
            pending.append(frame)
            # Read ahead one batch at a time: bounded memory, full batches for the network.
            if len(pending) >= self.batch_size:
                yield from self._render_batch(pending, mel, starts)
                pending = []
        if pending:
            yield from self._render_batch(pending, mel, starts)

    def _render_batch(self, batch: list[FrameInput], mel: np.ndarray, starts: np.ndarray) -> list[np.ndarray | None]:
        # Per frame with a face: the union of its face box (what the network sees) and its
        # render box (what may change), read once from the planes.
        views: list[tuple[np.ndarray, tuple[int, int, int, int], np.ndarray] | None] = []
        crops: list[np.ndarray] = []
        for frame in batch:
            view = None
            if frame.crop is not None and np.isfinite(frame.landmarks).all():
                box = face_crop_box(frame.landmarks, frame.width, frame.height)
                if min(box[2] - box[0], box[3] - box[1]) >= 8:
                    view = _face_view(frame, box)
            views.append(view)
            if view is not None:
                canvas, (x0, y0, x1, y1), _ = view
                crops.append(cv2.resize(canvas[y0:y1, x0:x1], (FACE_SIZE, FACE_SIZE),
                                        interpolation=cv2.INTER_AREA))
        faces_at = [i for i, view in enumerate(views) if view is not None]
        generated = np.empty((0, FACE_SIZE, FACE_SIZE, 3), np.uint8)
        if faces_at:
            index = np.array([min(batch[i].index, len(starts) - 1) for i in faces_at])
            generated = self.infer(mel_windows(mel, starts[index], MEL_STEP), network_faces(crops))
        out: list[np.ndarray | None] = []
        k = 0
        for frame, view in zip(batch, views):
            if view is None:
                out.append(None)
                continue
            canvas, box, origin = view
            done = composite_face(canvas, frame.landmarks - origin, box, generated[k])
            bx0, by0, bx1, by1 = (np.array(frame.box) - np.tile(origin, 2)).astype(int)
            out.append(np.ascontiguousarray(done[by0:by1, bx0:bx1]))
            k += 1
        return out


def _face_view(frame: FrameInput, face: tuple[int, int, int, int]):
    """(RGB canvas over the union of the face box and the render box, the face box in canvas
    pixels, the canvas origin (x, y) in frame pixels)."""
    fb = frame.box
    union = even_box((min(face[0], fb[0]), min(face[1], fb[1]), max(face[2], fb[2]), max(face[3], fb[3])),
                     frame.width, frame.height)
    canvas = frame.crop if union == fb else frame.region(union)
    origin = np.array(union[:2], np.float32)
    x0, y0 = union[:2]
    return canvas, (face[0] - x0, face[1] - y0, face[2] - x0, face[3] - y0), origin


def composite_face(image: np.ndarray, points: np.ndarray, box: tuple[int, int, int, int],
                   face: np.ndarray) -> np.ndarray:
    """`image` with the generated 96x96 `face` (RGB) upscaled into `box` and blended inside
    the feathered lower-face mask after matching its colour to the frame near the seam."""
    x0, y0, x1, y1 = box
    patch = cv2.resize(face, (x1 - x0, y1 - y0), interpolation=cv2.INTER_CUBIC)
    feather = max(2.0, FEATHER * face_scale(points))
    mask = feathered_mask(lower_face_polygon(points), box, feather)
    crop = image[y0:y1, x0:x1]
    lips = mouth_polygon_mask(points, box, grow=feather / 2)
    matched = match_colour(patch, crop, mask, exclude=lips)
    return blend(image, matched, mask, box)
