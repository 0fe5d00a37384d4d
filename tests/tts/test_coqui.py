"""The Coqui TTS adapter: a local model folder (config + checkpoint).

In the project's environment coqui-tts is not installed: the adapter must say so clearly. In the
separate Coqui environment (.venv-coqui, see README "Coqui TTS"), a tiny VITS built from a config
with random weights is saved in Coqui's folder layout and spoken through tts.Synthesizer.
"""

import importlib.util
import json

import numpy as np
import pytest

import tts
from tts.types import check_timeline

HAS_COQUI = importlib.util.find_spec("TTS") is not None


def _fake_folder(root):
    folder = root / "coqui" / "tiny-vits"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model": "vits", "phoneme_language": "en"}))
    (folder / "model.pth").write_bytes(b"\0")
    return folder


@pytest.mark.skipif(HAS_COQUI, reason="coqui-tts is installed here; the real-model test runs instead")
def test_missing_package_is_a_clear_error(tmp_path):
    paths = {"coqui": [_fake_folder(tmp_path)]}
    synth = tts.Synthesizer(model_paths=paths)
    assert "coqui:tiny-vits" in {v.id for v in tts.list_voices(paths)}
    with pytest.raises(tts.BackendUnavailableError, match="Coqui TTS is not installed"):
        synth.synthesize(["Hello there."], "en", voice="coqui:tiny-vits")


def test_folder_without_checkpoint_is_a_clear_error(tmp_path):
    folder = _fake_folder(tmp_path)
    (folder / "model.pth").unlink()
    with pytest.raises(tts.VoiceNotFoundError, match="no checkpoint"):
        from tts.backends.coqui_backend import voice_info_for

        voice_info_for(folder)


@pytest.fixture(scope="module")
def tiny_vits(tmp_path_factory):
    """A VITS with random weights, saved as Coqui saves models: config.json + model.pth."""
    import torch
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    torch.manual_seed(0)
    args = VitsArgs(hidden_channels=32, hidden_channels_ffn_text_encoder=64, num_heads_text_encoder=2,
                    num_layers_text_encoder=2, num_layers_flow=2, num_layers_posterior_encoder=2,
                    upsample_initial_channel_decoder=64)
    config = VitsConfig(model_args=args, use_phonemes=False, text_cleaner="basic_cleaners",
                        add_blank=True, phoneme_language="en")
    model = Vits(config)
    root = tmp_path_factory.mktemp("models")
    folder = root / "coqui" / "tiny-vits"
    folder.mkdir(parents=True)
    config.save_json(str(folder / "config.json"))
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, folder / "model.pth")
    return root


@pytest.mark.skipif(not HAS_COQUI, reason="coqui-tts not installed (it lives in .venv-coqui; see README)")
def test_vits_folder_speaks_with_a_timeline(tiny_vits):
    synth = tts.Synthesizer({"en": "coqui:tiny-vits"}, model_paths={"coqui": [tiny_vits / "coqui" / "tiny-vits"]})
    speech = synth.synthesize(["Switch off the machine."], "en")
    assert speech.backend == "coqui" and speech.voice == "coqui:tiny-vits"
    assert speech.audio.dtype == np.float32 and speech.duration > 0.2
    check_timeline(speech.phonemes, speech.duration)
    assert len(speech.phonemes) >= 10  # one per letter of the input (random weights: no real speech)
    assert [w.text for w in speech.words] == ["Switch", "off", "the", "machine"]
