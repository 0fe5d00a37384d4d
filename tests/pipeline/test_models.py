"""The model store: resolution order, the atomic once-only join of shipped parts, import with
checksums, verify, and fetch's refusals (no network in tests)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import ModelNotFoundError, PipelineError
from pipeline.models import CATALOGUE, MANIFEST, Catalogued, ModelStore

ROOT = Path(__file__).resolve().parents[2]


def _parts_size() -> int:
    from pipeline.models import _whisper_parts

    one, two = _whisper_parts()
    return (one / "model.bin.part1").stat().st_size + (two / "model.bin.part2").stat().st_size


def test_root_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYDUB_MODELS", str(tmp_path / "m"))
    assert ModelStore().root == tmp_path / "m"
    monkeypatch.delenv("POLYDUB_MODELS")
    assert ModelStore().root.name == "models" and "polydub" in str(ModelStore().root)


@pytest.mark.slow
def test_two_processes_join_whisper_once_and_atomically(tmp_path):
    code = ("import sys; from pipeline.models import ModelStore; "
            "print(ModelStore(sys.argv[1]).path('whisper-base'))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, cwd=ROOT) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1].decode()[-500:] for o in outs]
    paths = {o[0].decode().strip() for o in outs}
    assert paths == {str(tmp_path / "whisper-base")}
    entry = tmp_path / "whisper-base"
    assert (entry / "model.bin").stat().st_size == _parts_size()
    assert sorted(p.name for p in entry.iterdir()) == [
        "config.json", "model.bin", MANIFEST, "tokenizer.json", "vocabulary.txt"]
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]  # no half-written leftovers
    manifest = json.loads((entry / MANIFEST).read_text())
    assert manifest["kind"] == "whisper-ct2" and manifest["licence"] == "MIT"
    assert manifest["files"]["model.bin"]["size"] == _parts_size()
    # idempotent: a later call returns the same entry without rewriting it
    stamp = (entry / "model.bin").stat().st_mtime_ns
    assert ModelStore(tmp_path).path("whisper-base") == entry
    assert (entry / "model.bin").stat().st_mtime_ns == stamp
    # and the joined model passes verify (checksums and a real load)
    result = ModelStore(tmp_path).verify("whisper-base")
    assert result.ok and result.loaded and result.files_checked == 4


def test_a_failed_join_leaves_nothing_behind(tmp_path, monkeypatch):
    def half_then_fail(dest: Path) -> dict:
        (dest / "model.bin").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setitem(CATALOGUE, "parts-demo", Catalogued(
        "parts-demo", "whisper-ct2", "MIT", "test", ("json",), lambda: Path("/"), half_then_fail))
    with pytest.raises(OSError, match="disk full"):
        ModelStore(tmp_path).path("parts-demo")
    assert not (tmp_path / "parts-demo").exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_package_models_resolve_in_place(tmp_path):
    store = ModelStore(tmp_path)
    assert store.path("bergamot-en-pt").name == "models" and (store.path("bergamot-en-pt") / "enpt-1693087644").is_dir()
    assert store.path("face-landmarker").name == "face_landmarker.task"
    assert (store.path("piper-en_US-joe-medium") / "en_US-joe-medium.onnx").is_file()
    assert not any(tmp_path.iterdir())  # nothing copied for models used in place


def test_resolution_order_override_then_store(tmp_path):
    own = tmp_path / "elsewhere" / "face.task"
    own.parent.mkdir()
    own.write_bytes(b"x")
    assert ModelStore(tmp_path / "store", overrides={"face-landmarker": own}).path("face-landmarker") == own
    (tmp_path / "store" / "face-landmarker").mkdir(parents=True)
    assert ModelStore(tmp_path / "store").path("face-landmarker") == tmp_path / "store" / "face-landmarker"


def test_missing_model_names_every_place_and_the_remedy(tmp_path):
    store = ModelStore(tmp_path, overrides={"opus-mt-en-de": tmp_path / "nope"})
    with pytest.raises(ModelNotFoundError) as err:
        store.path("opus-mt-en-de")
    message = str(err.value)
    assert "'opus-mt-en-de'" in message and str(tmp_path / "nope") in message
    assert str(tmp_path / "opus-mt-en-de") in message and "polydub models import PATH" in message
    assert "polydub models fetch opus-mt-en-de" in message
    with pytest.raises(ModelNotFoundError, match="unknown-model"):
        store.path("unknown-model")


def test_import_records_checksums_and_verify_catches_damage(tmp_path):
    src = tmp_path / "copied" / "my-voice"
    src.mkdir(parents=True)
    (src / "weights.bin").write_bytes(b"\x00" * 1000)
    (src / "config.json").write_text("{}")
    store = ModelStore(tmp_path / "store")
    entry = store.import_(src)
    assert entry == tmp_path / "store" / "my-voice"
    manifest = json.loads((entry / MANIFEST).read_text())
    assert set(manifest["files"]) == {"weights.bin", "config.json"} and manifest["source"].startswith("imported from")
    assert store.verify("my-voice", loader=lambda p: None).ok
    assert "my-voice" in {m.name for m in store.list()}
    with pytest.raises(PipelineError, match="already in the store"):
        store.import_(src)
    (entry / "weights.bin").write_bytes(b"\x01" * 1000)
    bad = store.verify("my-voice", loader=lambda p: None)
    assert not bad.ok and "weights.bin does not match" in bad.problems[0]
    # a load check that fails is reported, not raised
    def broken(path):
        raise ValueError("bad header")
    store.import_(src, replace=True)
    failed = store.verify("my-voice", loader=broken)
    assert failed.loaded is False and "bad header" in failed.problems[0]


def test_import_checks_a_carried_manifest(tmp_path):
    store = ModelStore(tmp_path / "a")
    src = tmp_path / "src" / "thing"
    src.mkdir(parents=True)
    (src / "w.bin").write_bytes(b"abc")
    entry = store.import_(src)
    carried = tmp_path / "carried"
    shutil.copytree(entry, carried)
    (carried / "w.bin").write_bytes(b"abd")  # damaged in transit
    with pytest.raises(PipelineError, match="does not match the checksum"):
        ModelStore(tmp_path / "b").import_(carried)
    assert not (tmp_path / "b" / "thing").exists()
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        store.import_(tmp_path / "missing")


def test_fetch_refuses_and_fails_clearly_offline(tmp_path):
    store = ModelStore(tmp_path)
    with pytest.raises(ModelNotFoundError, match="fetchable: .*opus-mt-en-de"):
        store.fetch("no-such-model")
    with pytest.raises(ModelNotFoundError, match="ships in the Python package"):
        store.fetch("whisper-base")

    def offline(url, dest):
        raise OSError("network unreachable")

    said = []
    with pytest.raises(PipelineError, match="huggingface.co/Helsinki-NLP/opus-mt-en-de.*network unreachable"):
        store.fetch("opus-mt-en-de", download=offline, say=said.append)
    assert "from https://huggingface.co/Helsinki-NLP/opus-mt-en-de" in said[0]
    assert not (tmp_path / "opus-mt-en-de").exists()
    # with a (fake, local) download the entry lands in the store with its manifest
    entry = store.fetch("opus-mt-en-de", download=lambda url, dest: dest.write_text(url))
    manifest = json.loads((entry / MANIFEST).read_text())
    assert manifest["source"].startswith("fetched from https://huggingface.co") and manifest["licence"] == "CC-BY-4.0"


def test_list_never_joins(tmp_path):
    infos = {m.name: m for m in ModelStore(tmp_path).list()}
    assert infos["whisper-base"].where == "package (joined on first use)"
    assert infos["bergamot-en-pt"].where == "package" and infos["opus-mt-en-de"].where == "fetchable"
    assert not (tmp_path / "whisper-base").exists()


def test_verify_package_model_against_its_wheel_record(tmp_path):
    result = ModelStore(tmp_path).verify("bergamot-en-pt")
    assert result.ok and result.loaded and result.files_checked >= 10


def test_cli_models_commands(tmp_path, capsys):
    from api.cli import main

    assert main(["models", "--models", str(tmp_path), "list"]) == 0
    out = capsys.readouterr().out
    assert f"model store: {tmp_path}" in out and "whisper-base" in out and "fetchable" in out
    assert main(["models", "--models", str(tmp_path), "fetch", "no-such-model"]) == 1
    assert "no model named 'no-such-model'" in capsys.readouterr().err
    assert main(["models", "--models", str(tmp_path), "import", str(tmp_path / "missing")]) == 1
    src = tmp_path.parent / f"{tmp_path.name}-src" / "voice-x"
    src.mkdir(parents=True)
    (src / "w.bin").write_bytes(b"w")
    assert main(["models", "--models", str(tmp_path), "import", str(src)]) == 0
    assert main(["models", "--models", str(tmp_path), "verify", "voice-x"]) == 0
    assert "ok    voice-x: 1 file(s) match" in capsys.readouterr().out


def test_translation_checksums_come_from_the_manifests(tmp_path):
    from pipeline.models import sha256_file
    from translate.backends.bergamot import bundled_models_dir

    store = ModelStore(tmp_path / "store")
    assert store.translation_checksums() == {}
    entry = store.import_(bundled_models_dir() / "enpt-1693087644", "bergamot-enpt")
    recorded = store.translation_checksums()
    model = next(entry.glob("model*.bin"))
    assert recorded[str(model)] == sha256_file(model)
    assert all(Path(p).is_relative_to(entry) for p in recorded)  # the store's own files only
