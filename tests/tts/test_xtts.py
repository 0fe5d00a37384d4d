"""XTTS-v2 as a cloning backend (issue 16 item 4).

In the project's environment coqui-tts is not installed: XTTS is not offered, and saying why is
the test. In the separate Coqui environment (README "Coqui TTS"; `$POLYDUB_COQUI_VENV`), a tiny
XTTS with random weights (one GPT layer of 32 channels, a 42-symbol tokenizer built here; the
HiFi-GAN decoder and speaker encoder keep Coqui's fixed sizes) is saved in Coqui's folder layout
and clones a built-in reference through `tts.cloning.clone_speech`.
"""

import importlib.util
import json

import numpy as np
import pytest

from pipeline.models import ModelStore
from tts.cloning import SpeakerReference, clone_speech, installed_cloners
from tts.errors import BackendUnavailableError
from tts.types import check_timeline

HAS_COQUI = importlib.util.find_spec("TTS") is not None
SPECIALS = ["[STOP]", "[UNK]", "[SPACE]", "[START]", "[en]", "[pt]"]
LETTERS = list("abcdefghijklmnopqrstuvwxyz.,!?'-0123456789")


def test_xtts_is_not_offered_without_its_package_or_model_and_says_why(tmp_path, monkeypatch):
    from tts.backends.xtts_backend import XttsBackend, find_model

    with pytest.raises(BackendUnavailableError, match="no XTTS model folder.*model store's xtts/"):
        find_model([])
    (tmp_path / "xtts" / "v2").mkdir(parents=True)
    (tmp_path / "xtts" / "v2" / "config.json").write_text(json.dumps({"model": "xtts"}))
    with pytest.raises(BackendUnavailableError, match=r"no XTTS model folder \(config.json, model.pth, vocab.json\) in v2;"):  # no model.pth, vocab.json
        find_model([tmp_path / "xtts" / "v2"])
    assert "non-commercial" in XttsBackend.licence and "cpml" in XttsBackend.licence
    if not HAS_COQUI:
        with pytest.raises(BackendUnavailableError, match="Coqui TTS is not installed"):
            XttsBackend([tmp_path / "xtts" / "v2"]).languages()
        assert "xtts" not in installed_cloners({"xtts": [tmp_path / "xtts" / "v2"]})


@pytest.fixture(scope="module")
def tiny_xtts(tmp_path_factory):
    """A random-weight XTTS saved as Coqui publishes XTTS-v2: config.json, model.pth, vocab.json."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from TTS.tts.configs.xtts_config import XttsArgs, XttsConfig
    from TTS.tts.models.xtts import Xtts

    root = tmp_path_factory.mktemp("models")
    folder = root / "xtts" / "tiny"
    folder.mkdir(parents=True)
    vocab = {t: i for i, t in enumerate(SPECIALS + LETTERS)}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.add_special_tokens(SPECIALS)
    tokenizer.save(str(folder / "vocab.json"))
    torch.manual_seed(0)
    args = XttsArgs(gpt_layers=1, gpt_n_model_channels=32, gpt_n_heads=2, decoder_input_dim=32,
                    gpt_max_audio_tokens=24, gpt_max_text_tokens=200, gpt_max_prompt_tokens=70,
                    gpt_num_audio_tokens=34, gpt_start_audio_token=32, gpt_stop_audio_token=33,
                    gpt_use_perceiver_resampler=True, gpt_number_text_tokens=len(vocab),
                    gpt_start_text_token=vocab["[START]"], gpt_stop_text_token=vocab["[STOP]"])
    config = XttsConfig(model_args=args, languages=["en", "pt"])
    model = Xtts(config)
    config.save_json(str(folder / "config.json"))
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, folder / "model.pth")
    return root


@pytest.mark.skipif(not HAS_COQUI, reason="coqui-tts not installed (it lives in .venv-coqui; see README)")
def test_a_tiny_xtts_clones_a_reference_with_a_timeline(tiny_xtts):
    found = installed_cloners(ModelStore(tiny_xtts).cloning_models())
    assert "xtts" in found and found["xtts"].languages == ("en", "pt")
    rng = np.random.default_rng(0)
    t = np.arange(7 * 24000) / 24000
    voice = (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2).astype(np.float32)
    reference = SpeakerReference(voice + 0.01 * rng.standard_normal(len(t)).astype(np.float32), 24000, "d" * 64)
    speech = clone_speech(["Switch off the machine."], "en", found["xtts"].backend, reference,
                          voice_id="clone:xtts@dddddddddddd")
    assert speech.voice == "clone:xtts@dddddddddddd" and speech.backend == "clone"
    assert speech.sample_rate == 24000 and speech.audio.dtype == np.float32 and speech.duration > 0.5
    check_timeline(speech.phonemes, speech.duration)
    assert [w.text for w in speech.words] == ["Switch", "off", "the", "machine"]
