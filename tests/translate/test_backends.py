"""MarianMT and CTranslate2 through the real loaders, on a tiny model built in code."""

import dataclasses
import json
import shutil

import pytest

from translate import ModelLoadError, Translator, read_source
from translate.backends import backend_kinds, discover
from translate.backends.ctranslate import convert_marian
from translate.backends.marian import MarianEngine

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_tiny_marian_loads_through_the_real_path(tiny_marian):
    specs = discover(tiny_marian)  # the pair comes from the OPUS-MT folder name
    assert [(s.backend, s.source, s.target) for s in specs] == [("marian", "en", "de")]
    translator = Translator(models={"tiny": tiny_marian}, bundled=False, device="cpu")
    doc = read_source("Open the valve. Wear gloves. Check the pressure gauge before you start.")
    result = translator.translate(doc, "en", "de")
    assert result.backend == "marian" and result.model == "marian/opus-mt-en-de"
    assert len(result.sentences) == 3 and all(isinstance(s.text, str) for s in result.sentences)
    engine = translator._engines[specs[0]]
    assert isinstance(engine, MarianEngine) and engine.device == "cpu"
    # random weights loop: the guard collapses and flags it instead of passing it on
    assert any("repetition" in s.flags or "possibly-truncated" in s.flags for s in result.sentences)
    # the model loaded once: a second call reuses the engine object
    translator.translate(doc, "en", "de")
    assert translator._engines[specs[0]] is engine


def test_marian_batches_keep_order(tiny_marian):
    spec = discover(tiny_marian)[0]
    engine = backend_kinds()["marian"].load(spec, "cpu")
    engine.batch_size = 2
    texts = ["Open the valve.", "Wear gloves.", "Check the pressure gauge before you start.", "Close the valve."]
    batched = engine.translate_batch(texts)
    single = [engine.translate_batch([t])[0] for t in texts]
    # padding may change the tail of a random model's output, never which input it belongs to
    assert [b[:8] for b in batched] == [s[:8] for s in single]


def test_ctranslate2_conversion_matches_transformers(tiny_marian, tiny_ct2, tmp_path):
    specs = discover(tiny_ct2)
    assert [(s.backend, s.source, s.target) for s in specs] == [("ctranslate2", "en", "de")]
    translator = Translator(models={"en-de": tiny_ct2}, bundled=False, device="cpu")
    result = translator.translate(["Open the valve.", "Wear gloves."], "en", "de")
    assert result.backend == "ctranslate2" and len(result.sentences) == 2
    # at float32 the converted weights decode greedily to the same text as transformers
    marian = backend_kinds()["marian"].load(discover(tiny_marian)[0], "cpu")
    marian.beam_size = 1
    exact = discover(convert_marian(tiny_marian, tmp_path / "fp32-en-de", quantization=None))[0]
    ct2 = backend_kinds()["ctranslate2"].load(dataclasses.replace(exact, options={"compute_type": "float32"}), "cpu")
    ct2.beam_size = 1
    converted, original = ct2.translate_batch(["Open the valve."])[0], marian.translate_batch(["Open the valve."])[0]
    assert len(original) >= 12 and converted == original
    # negative control: another model's output differs from the start
    other = backend_kinds()["ctranslate2"].load(specs[0], "cpu")
    assert other.translate_batch(["Wear gloves."])[0][:12] != original[:12]


def test_a_corrupt_model_folder_is_a_clear_error(tiny_marian, tmp_path):
    broken = tmp_path / "opus-mt-en-de"
    shutil.copytree(tiny_marian, broken)
    (broken / "model.safetensors").write_bytes(b"not a model")
    translator = Translator(models={"en-de": broken}, bundled=False)
    with pytest.raises(ModelLoadError, match="damaged") as err:
        translator.translate(["Open the valve."], "en", "de")
    assert str(broken) in str(err.value)
    (broken / "source.spm").unlink()
    with pytest.raises(ModelLoadError, match="incomplete.*source.spm"):
        Translator(models={"en-de": broken}, bundled=False).translate(["Open the valve."], "en", "de")


def test_unknown_folders_and_missing_pairs_are_clear_errors(tmp_path, tiny_marian):
    with pytest.raises(ModelLoadError, match="not a translation model"):
        discover(tmp_path)
    with pytest.raises(ModelLoadError, match="does not exist"):
        discover(tmp_path / "nope")
    anonymous = tmp_path / "my-model"
    shutil.copytree(tiny_marian, anonymous)
    with pytest.raises(ModelLoadError, match="which languages"):
        discover(anonymous)
    (anonymous / "polydub.json").write_text(json.dumps({"source": "en", "target": "fr"}))
    assert discover(anonymous)[0].target == "fr"
    with pytest.raises(ModelLoadError, match="not a MarianMT folder"):
        convert_marian(tmp_path, tmp_path / "out")


def test_corrupt_bergamot_folder(tmp_path):
    from translate.backends.bergamot import bundled_models_dir

    folder = tmp_path / "enpt-1"
    shutil.copytree(bundled_models_dir() / "enpt-1693087644", folder)
    model = next(folder.glob("model*.bin"))
    model.write_bytes(model.read_bytes()[:1000])
    translator = Translator(models={"en-pt": folder}, bundled=False)
    with pytest.raises(ModelLoadError, match="Bergamot.*damaged"):
        translator.translate(["Open the valve."], "en", "pt")


def test_bergamot_files_are_checked_against_the_checksums_given(tmp_path):
    import hashlib

    from translate.backends.bergamot import bundled_models_dir

    folder = tmp_path / "enpt-1"
    shutil.copytree(bundled_models_dir() / "enpt-1693087644", folder)
    recorded = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}
    translated = Translator(models={"en-pt": folder}, bundled=False, checksums=recorded).translate(
        ["Open the valve."], "en", "pt")
    assert translated.backend == "bergamot" and translated.sentences[0].text.strip()
    model = next(folder.glob("model*.bin"))
    recorded[str(model)] = "0" * 64  # the file no longer matches what the store recorded
    stale = Translator(models={"en-pt": folder}, bundled=False, checksums=recorded)
    with pytest.raises(ModelLoadError, match=rf"{model.name} is missing or does not match its recorded checksum"):
        stale.translate(["Open the valve."], "en", "pt")
