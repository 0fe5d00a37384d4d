"""Loading random-weight checkpoints saved in the official Wav2Lip layout."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from lipsync.errors import LipSyncError, ModelNotFoundError  # noqa: E402
from lipsync.wav2lip import CheckpointError, Wav2LipModel, find_checkpoint, load_checkpoint  # noqa: E402


def official_layout(state: dict, prefix: str = "") -> dict:
    """A checkpoint dict shaped like the published training script saves it."""
    return {
        "state_dict": {prefix + k: v for k, v in state.items()},
        "optimizer": {"state": {}, "param_groups": [{"lr": 1e-4, "betas": (0.5, 0.999), "params": [0, 1]}]},
        "global_step": 0,
        "global_epoch": 0,
    }


@pytest.fixture(scope="module")
def random_state():
    torch.manual_seed(0)
    state = Wav2LipModel().state_dict()
    # non-trivial BatchNorm statistics, so a load that skipped them would show
    for key, value in state.items():
        if key.endswith("running_mean"):
            value.normal_(0.0, 0.1)
        elif key.endswith("running_var"):
            value.uniform_(0.5, 1.5)
    return state


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, random_state):
    folder = tmp_path_factory.mktemp("wav2lip")
    plain, wrapped = folder / "wav2lip.pth", folder / "wav2lip_gan.pth"
    torch.save(official_layout(random_state), plain)
    torch.save(official_layout(random_state, "module."), wrapped)
    return plain, wrapped


@pytest.fixture(scope="module")
def inputs():
    g = torch.Generator().manual_seed(2)
    return torch.randn(1, 1, 80, 16, generator=g), torch.rand(1, 6, 96, 96, generator=g)


def test_official_layout_loads_with_and_without_module_prefix(checkpoints, random_state, inputs):
    outputs = []
    for path in checkpoints:
        model = load_checkpoint(path, device="cpu")
        assert isinstance(model, Wav2LipModel) and not model.training
        assert next(model.parameters()).device.type == "cpu"
        loaded = model.state_dict()
        for key in ("face_encoder_blocks.0.0.conv_block.0.weight", "output_block.1.bias",
                    "audio_encoder.5.conv_block.1.running_var"):
            assert torch.equal(loaded[key], random_state[key])
        with torch.no_grad():
            out = model(*inputs)
        assert out.shape == (1, 3, 96, 96)
        assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
        outputs.append(out)
    assert torch.equal(outputs[0], outputs[1])
    # negative control: a freshly initialised model gives another face
    with torch.no_grad():
        fresh = Wav2LipModel().eval()(*inputs)
    assert not torch.allclose(fresh, outputs[0], atol=1e-3)


def test_default_device_is_used_when_none_given(checkpoints):
    model = load_checkpoint(checkpoints[0])
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert next(model.parameters()).device.type == expected


@pytest.mark.parametrize("damage, words", [
    (lambda s: s.pop("output_block.1.weight"), ["1 missing", "output_block.1.weight"]),
    (lambda s: s.update({"extra_head.weight": torch.zeros(1)}), ["1 unexpected", "extra_head.weight"]),
    (lambda s: s.update({"output_block.1.bias": torch.zeros(4)}), ["wrong shape", "output_block.1.bias"]),
])
def test_damaged_checkpoint_names_the_keys(tmp_path, random_state, damage, words):
    state = dict(random_state)
    damage(state)
    path = tmp_path / "bad.pth"
    torch.save(official_layout(state), path)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path, device="cpu")
    message = str(info.value)
    assert isinstance(info.value, LipSyncError)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message


def test_syncnet_checkpoint_is_recognised(tmp_path):
    path = tmp_path / "lipsync_expert.pth"
    torch.save({"state_dict": {"face_encoder.0.conv_block.0.weight": torch.zeros(32, 15, 7, 7)}}, path)
    with pytest.raises(CheckpointError, match="SyncNet"):
        load_checkpoint(path, device="cpu")


def test_file_that_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable PyTorch checkpoint"):
        load_checkpoint(path, device="cpu")
    path = tmp_path / "list.pth"
    torch.save([1, 2, 3], path)
    with pytest.raises(CheckpointError, match="not a checkpoint dict"):
        load_checkpoint(path, device="cpu")


def test_missing_file_raises_model_not_found(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        load_checkpoint(tmp_path / "nowhere.pth")


def test_find_checkpoint_order_and_error(tmp_path):
    folder = tmp_path / "models" / "wav2lip"
    folder.mkdir(parents=True)
    with pytest.raises(ModelNotFoundError) as info:
        find_checkpoint(folder)
    message = str(info.value)
    assert "wav2lip" in message and "--checkpoint" in message
    assert "renderer_options: {checkpoint: PATH}" in message  # a job file's field too (fresh4 finding 6)
    assert str(folder / "wav2lip_gan.pth") in message and str(folder / "wav2lip.pth") in message

    (folder / "wav2lip.pth").write_bytes(b"x")
    assert find_checkpoint(folder) == folder / "wav2lip.pth"
    (folder / "wav2lip_gan.pth").write_bytes(b"x")
    assert find_checkpoint(folder) == folder / "wav2lip_gan.pth"
    explicit = tmp_path / "mine.pth"
    explicit.write_bytes(b"x")
    assert find_checkpoint(explicit) == explicit
    with pytest.raises(ModelNotFoundError, match=str(tmp_path / "other.pth")):
        find_checkpoint(tmp_path / "other.pth")


def test_no_checkpoint_given_is_a_clear_error():
    # the leaf knows no models folder: without a path it says how to give one
    with pytest.raises(ModelNotFoundError, match="no Wav2Lip generator checkpoint given.*--checkpoint"):
        find_checkpoint()


def test_found_default_checkpoint_loads(checkpoints):
    folder = Path(checkpoints[0]).parent
    assert find_checkpoint(folder).name == "wav2lip_gan.pth"
    assert isinstance(load_checkpoint(find_checkpoint(folder), device="cpu"), Wav2LipModel)