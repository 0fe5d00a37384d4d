"""The Wav2Lip generator (Prajwal et al., ACM MM 2020), layer for layer as published.

Module and attribute names follow the published layout exactly, because they are the keys of
the official `wav2lip.pth` / `wav2lip_gan.pth` state dicts: every convolution is a small
module holding `conv_block` (convolution, then BatchNorm) and `act` (ReLU), so its weights
load as e.g. ``face_encoder_blocks.0.0.conv_block.0.weight``.

Inputs are those of the original: mel windows of 1x80x16 and faces of 6x96x96 (the target
frame with its lower half blacked out, channel-stacked with a reference frame; BGR, in [0, 1]).
The output is the generated 3x96x96 face in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

#: (kernel, stride, padding[, output_padding]) of one layer
_Geometry = tuple


class ConvBlock(nn.Module):
    """Convolution + BatchNorm + ReLU, optionally adding its input back before the ReLU."""

    def __init__(self, cin: int, cout: int, kernel_size, stride, padding, residual: bool = False):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.Conv2d(cin, cout, kernel_size, stride, padding),
            nn.BatchNorm2d(cout),
        )
        self.act = nn.ReLU()
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_block(x)
        if self.residual:
            out = out + x
        return self.act(out)


class ConvTransposeBlock(nn.Module):
    """Transposed convolution + BatchNorm + ReLU (the decoder's upsampling step)."""

    def __init__(self, cin: int, cout: int, kernel_size, stride, padding, output_padding=0):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ConvTranspose2d(cin, cout, kernel_size, stride, padding, output_padding),
            nn.BatchNorm2d(cout),
        )
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv_block(x))


def _stage(cin: int, cout: int, geometry: _Geometry, residuals: int, transpose: bool = False) -> nn.Sequential:
    """One resolution stage: a (possibly strided or transposed) layer changing cin->cout,
    then `residuals` 3x3 residual blocks at cout channels."""
    head = ConvTransposeBlock(cin, cout, *geometry) if transpose else ConvBlock(cin, cout, *geometry)
    tail = [ConvBlock(cout, cout, 3, 1, 1, residual=True) for _ in range(residuals)]
    return nn.Sequential(head, *tail)


def _chain(cin: int, spec: Sequence[tuple[int, _Geometry, int]]) -> list[nn.Module]:
    """Flat list of layers for stages given as (cout, geometry, residual count)."""
    layers: list[nn.Module] = []
    for cout, geometry, residuals in spec:
        layers.extend(_stage(cin, cout, geometry, residuals))
        cin = cout
    return layers


# Face encoder: 96 -> 48 -> 24 -> 12 -> 6 -> 3 -> 1, channels 16 ... 512.
_FACE_ENCODER = (
    (16, (7, 1, 3), 0),
    (32, (3, 2, 1), 2),
    (64, (3, 2, 1), 3),
    (128, (3, 2, 1), 2),
    (256, (3, 2, 1), 2),
    (512, (3, 2, 1), 1),
)

# Audio encoder: 80x16 mel window -> 27x16 -> 9x6 -> 3x3 -> 1x1, ending in 512 channels.
_AUDIO_ENCODER = (
    (32, (3, 1, 1), 2),
    (64, (3, (3, 1), 1), 2),
    (128, (3, 3, 1), 2),
    (256, (3, (3, 2), 1), 1),
    (512, (3, 1, 0), 0),
)

# Face decoder: (input channels, output channels, geometry, residual count); each stage's input
# is the previous output concatenated with the face encoder's feature at the same resolution.
_FACE_DECODER = (
    (1024, 512, (3, 1, 0), 1),        # 1 -> 3
    (1024, 512, (3, 2, 1, 1), 2),     # 3 -> 6
    (768, 384, (3, 2, 1, 1), 2),      # 6 -> 12
    (512, 256, (3, 2, 1, 1), 2),      # 12 -> 24
    (320, 128, (3, 2, 1, 1), 2),      # 24 -> 48
    (160, 64, (3, 2, 1, 1), 2),       # 48 -> 96
)


class Wav2LipModel(nn.Module):
    """The Wav2Lip generator: audio window + masked/reference faces -> generated face.

    `forward(audio_sequences, face_sequences)` takes either single frames,
    audio (B, 1, 80, 16) and faces (B, 6, 96, 96) -> (B, 3, 96, 96), or sequences,
    audio (B, T, 1, 80, 16) and faces (B, 6, T, 96, 96) -> (B, 3, T, 96, 96).
    """

    def __init__(self) -> None:
        super().__init__()
        encoder = [_stage(6 if i == 0 else _FACE_ENCODER[i - 1][0], cout, geometry, residuals)
                   for i, (cout, geometry, residuals) in enumerate(_FACE_ENCODER)]
        # 3x3 -> 1x1 bottleneck, then a 1x1 projection.
        encoder.append(nn.Sequential(ConvBlock(512, 512, 3, 1, 0), ConvBlock(512, 512, 1, 1, 0)))
        self.face_encoder_blocks = nn.ModuleList(encoder)

        self.audio_encoder = nn.Sequential(*_chain(1, _AUDIO_ENCODER), ConvBlock(512, 512, 1, 1, 0))

        decoder = [nn.Sequential(ConvBlock(512, 512, 1, 1, 0))]
        decoder += [_stage(cin, cout, geometry, residuals, transpose=True)
                    for cin, cout, geometry, residuals in _FACE_DECODER]
        self.face_decoder_blocks = nn.ModuleList(decoder)

        self.output_block = nn.Sequential(
            ConvBlock(80, 32, 3, 1, 1),
            nn.Conv2d(32, 3, kernel_size=1, stride=1, padding=0),
            nn.Sigmoid(),
        )

    def forward(self, audio_sequences: torch.Tensor, face_sequences: torch.Tensor) -> torch.Tensor:
        sequence_form = face_sequences.dim() > 4
        if sequence_form:
            batch, steps = audio_sequences.shape[:2]
            # Time-major flattening, as the original: all clips' step 0, then step 1, ...
            audio_sequences = audio_sequences.transpose(0, 1).reshape(-1, *audio_sequences.shape[2:])
            face_sequences = face_sequences.transpose(1, 2).transpose(0, 1)
            face_sequences = face_sequences.reshape(-1, *face_sequences.shape[2:])

        features = []
        x = face_sequences
        for block in self.face_encoder_blocks:
            x = block(x)
            features.append(x)

        x = self.audio_encoder(audio_sequences)
        for block in self.face_decoder_blocks:
            x = torch.cat((block(x), features.pop()), dim=1)

        x = self.output_block(x)
        if sequence_form:
            x = x.reshape(steps, batch, *x.shape[1:]).permute(1, 2, 0, 3, 4)
        return x
