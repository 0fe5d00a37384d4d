"""Neural lip-sync with the published Wav2Lip generator, loading the official checkpoints.

Stable entry points:

- `Wav2LipModel`: the generator (`torch.nn.Module`), parameter for parameter as published.
- `load_checkpoint(path, device=None) -> Wav2LipModel`: an official `wav2lip.pth` /
  `wav2lip_gan.pth`, on CUDA when available, in eval mode.
- `melspectrogram(wav) -> np.ndarray`: the generator's audio front end, (80, T) for 16 kHz mono.
- `Wav2LipRenderer`: the engine's "wav2lip" renderer (``--renderer wav2lip --checkpoint PATH``).
"""

from lipsync.wav2lip.audio import melspectrogram
from lipsync.wav2lip.checkpoint import CheckpointError, find_checkpoint, load_checkpoint
from lipsync.wav2lip.model import Wav2LipModel

__all__ = ["CheckpointError", "Wav2LipModel", "Wav2LipRenderer", "find_checkpoint", "load_checkpoint",
           "melspectrogram"]


def __getattr__(name: str):
    # The renderer pulls in the engine's compositor; import it only when asked for.
    if name == "Wav2LipRenderer":
        from lipsync.wav2lip.renderer import Wav2LipRenderer

        return Wav2LipRenderer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
