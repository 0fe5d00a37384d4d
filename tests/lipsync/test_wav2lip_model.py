"""The Wav2Lip generator: parameter layout of the published checkpoints, shapes, value range."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lipsync.wav2lip import Wav2LipModel  # noqa: E402

# What the published 96x96 generator gives: 352 state-dict entries, 36,298,035 parameters.
PUBLISHED_PARAMETERS = 36_298_035
PUBLISHED_KEYS = 352

# Shapes of the official checkpoints at the ends of each part of the network.
PUBLISHED_SHAPES = {
    "face_encoder_blocks.0.0.conv_block.0.weight": (16, 6, 7, 7),
    "face_encoder_blocks.1.0.conv_block.0.weight": (32, 16, 3, 3),
    "face_encoder_blocks.2.3.conv_block.0.weight": (64, 64, 3, 3),
    "face_encoder_blocks.5.1.conv_block.1.running_var": (512,),
    "face_encoder_blocks.6.0.conv_block.0.weight": (512, 512, 3, 3),
    "face_encoder_blocks.6.1.conv_block.0.weight": (512, 512, 1, 1),
    "audio_encoder.0.conv_block.0.weight": (32, 1, 3, 3),
    "audio_encoder.3.conv_block.0.weight": (64, 32, 3, 3),
    "audio_encoder.9.conv_block.0.weight": (256, 128, 3, 3),
    "audio_encoder.11.conv_block.0.weight": (512, 256, 3, 3),
    "audio_encoder.12.conv_block.0.weight": (512, 512, 1, 1),
    "face_decoder_blocks.0.0.conv_block.0.weight": (512, 512, 1, 1),
    # ConvTranspose2d weights are (in, out, kh, kw)
    "face_decoder_blocks.1.0.conv_block.0.weight": (1024, 512, 3, 3),
    "face_decoder_blocks.3.0.conv_block.0.weight": (768, 384, 3, 3),
    "face_decoder_blocks.6.0.conv_block.0.weight": (160, 64, 3, 3),
    "face_decoder_blocks.6.2.conv_block.1.num_batches_tracked": (),
    "output_block.0.conv_block.0.weight": (32, 80, 3, 3),
    "output_block.1.weight": (3, 32, 1, 1),
    "output_block.1.bias": (3,),
}

# Layers per block of the published network (keys ending in conv_block.0.weight).
PUBLISHED_LAYERS = {
    "face_encoder_blocks": [1, 3, 4, 3, 3, 2, 2],
    "face_decoder_blocks": [1, 2, 3, 3, 3, 3, 3],
}


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    model = Wav2LipModel().eval()
    # PyTorch's default initialisation shrinks activations layer by layer until the audio barely
    # matters; He initialisation keeps every path alive, so the tests below can see wiring errors.
    for module in model.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            torch.nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    return model


def test_parameter_count_and_keys_match_the_published_generator(model):
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED_PARAMETERS
    state = model.state_dict()
    assert len(state) == PUBLISHED_KEYS
    for key, shape in PUBLISHED_SHAPES.items():
        assert tuple(state[key].shape) == shape, key
    for part, layers in PUBLISHED_LAYERS.items():
        counts = [sum(1 for k in state if k.startswith(f"{part}.{i}.") and k.endswith("conv_block.0.weight"))
                  for i in range(len(layers))]
        assert counts == layers, part
    assert sum(1 for k in state if k.startswith("audio_encoder.") and k.endswith("conv_block.0.weight")) == 13
    assert {k.split(".")[0] for k in state} == {
        "face_encoder_blocks", "audio_encoder", "face_decoder_blocks", "output_block"}


def test_frame_form_gives_faces_in_unit_range(model):
    audio = torch.randn(2, 1, 80, 16)
    faces = torch.rand(2, 6, 96, 96)
    with torch.no_grad():
        out = model(audio, faces)
    assert out.shape == (2, 3, 96, 96)
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_sequence_form_matches_frame_form_step_by_step(model):
    torch.manual_seed(1)
    audio = torch.randn(2, 2, 1, 80, 16)
    faces = torch.rand(2, 6, 2, 96, 96)
    with torch.no_grad():
        seq = model(audio, faces)
        steps = [model(audio[:, t], faces[:, :, t]) for t in range(2)]
    assert seq.shape == (2, 3, 2, 96, 96)
    for t, step in enumerate(steps):
        assert torch.allclose(seq[:, :, t], step, atol=1e-5)
    # negative control: a different audio window changes the face (the audio path is wired in)
    with torch.no_grad():
        other = model(torch.randn(2, 1, 80, 16), faces[:, :, 0])
    assert float((other - steps[0]).abs().max()) > 0.1
