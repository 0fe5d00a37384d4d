"""Finding and loading official Wav2Lip generator checkpoints.

An official checkpoint (`wav2lip.pth`, `wav2lip_gan.pth`) is a pickled dict whose
`state_dict` holds the generator's weights, each key possibly prefixed with `module.` (saved
from a DataParallel wrapper); it also carries the optimizer state and step counters, which
inference ignores. No weights ship with polydub: the user supplies the file.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Mapping
from pathlib import Path

import torch

from lipsync.errors import LipSyncError, ModelNotFoundError
from lipsync.wav2lip.model import Wav2LipModel

log = logging.getLogger(__name__)

MODEL_NAME = "wav2lip"
#: file names tried in a checkpoint folder, best first
DEFAULT_FILENAMES = ("wav2lip_gan.pth", "wav2lip.pth")
_PREFIX = "module."
#: how to give the weights, said by every missing-checkpoint error: the command line's option and
#: the job field (a job file or an API job has no --checkpoint)
SUPPLY = ("pass --checkpoint PATH to your wav2lip_gan.pth or wav2lip.pth (in a job file or an API job: "
          "renderer_options: {checkpoint: PATH})")


class CheckpointError(LipSyncError):
    """A checkpoint file exists but is not a loadable Wav2Lip generator."""


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def find_checkpoint(path: str | os.PathLike | None = None) -> Path:
    """The checkpoint to use: `path` itself, or the first of DEFAULT_FILENAMES in the folder
    `path`. The caller resolves where models live (pipeline's model store hands over its
    `wav2lip` entry); no weights ship with polydub, so `path=None` is an error. Raises
    ModelNotFoundError naming every place searched."""
    if path is None:
        raise ModelNotFoundError(
            f"model '{MODEL_NAME}': no Wav2Lip generator checkpoint given; no weights ship with polydub: {SUPPLY}")
    explicit = Path(path).expanduser()
    candidates = [explicit / name for name in DEFAULT_FILENAMES] if explicit.is_dir() else [explicit]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ModelNotFoundError(
        f"model '{MODEL_NAME}': no Wav2Lip generator checkpoint found (searched: "
        f"{'; '.join(str(c) for c in candidates)}); no weights ship with polydub: {SUPPLY}"
    )


def generator_state_dict(checkpoint: object, source: str = "checkpoint") -> dict[str, torch.Tensor]:
    """The generator weights of an official checkpoint dict (or of a bare state dict), with
    any `module.` prefix removed."""
    if not isinstance(checkpoint, Mapping):
        raise CheckpointError(
            f"{source}: holds a {type(checkpoint).__name__}, not a checkpoint dict; "
            "give the official wav2lip.pth or wav2lip_gan.pth"
        )
    state = checkpoint.get("state_dict", checkpoint)
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(
            f"{source}: its 'state_dict' is not a mapping of tensors; give the official wav2lip.pth or wav2lip_gan.pth"
        )
    return {(k[len(_PREFIX):] if k.startswith(_PREFIX) else k): v for k, v in state.items()}


def _check_keys(model: Wav2LipModel, state: Mapping[str, torch.Tensor], source: str) -> None:
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong_shape = [f"{k} {tuple(state[k].shape)} (needs {tuple(v.shape)})"
                   for k, v in expected.items() if k in state and state[k].shape != v.shape]
    if not (missing or unexpected or wrong_shape):
        return
    if any(k.startswith("face_encoder.") for k in unexpected) and not any(
            k.startswith("face_encoder_blocks.") for k in state):
        hint = "it looks like the SyncNet lip-sync expert (lipsync_expert.pth), not the generator"
    elif any(k.startswith("binary_pred.") for k in state):
        hint = "it looks like the visual-quality discriminator (visual_quality_disc.pth), not the generator"
    else:
        hint = "it is not the published 96x96 Wav2Lip generator"
    parts = []
    for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong_shape)):
        if keys:
            parts.append(f"{len(keys)} {label} (e.g. {', '.join(keys[:3])})")
    raise CheckpointError(
        f"{source}: weights do not match the Wav2Lip generator: {'; '.join(parts)}; {hint}; "
        "give the official wav2lip.pth or wav2lip_gan.pth"
    )


def load_checkpoint(path: str | os.PathLike, device: str | torch.device | None = None) -> Wav2LipModel:
    """Load an official Wav2Lip generator checkpoint into a Wav2LipModel in eval mode.

    Every key must match (after dropping a `module.` prefix): a partial or foreign checkpoint
    raises CheckpointError naming the keys. The model goes to `device`, by default CUDA when
    available, else the CPU. A missing file raises ModelNotFoundError.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelNotFoundError(
            f"model '{MODEL_NAME}': checkpoint {path} does not exist; "
            "give the path of your wav2lip_gan.pth or wav2lip.pth"
        )
    try:
        # weights_only: official checkpoints hold only tensors, numbers and dicts; never run pickled code.
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise CheckpointError(
            f"{path}: not a readable PyTorch checkpoint ({exc.__class__.__name__}: {reason}); "
            "give the official wav2lip.pth or wav2lip_gan.pth"
        ) from exc
    model = Wav2LipModel()
    state = generator_state_dict(checkpoint, str(path))
    _check_keys(model, state, str(path))
    model.load_state_dict(state, strict=True)
    device = torch.device(device) if device is not None else default_device()
    log.info("loaded Wav2Lip generator from %s on %s", path, device)
    return model.to(device).eval()
