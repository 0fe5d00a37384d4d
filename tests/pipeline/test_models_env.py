"""One model repository: only `pipeline.models` reads $POLYDUB_MODELS and knows the store's
manifest; every other module (the leaves above all) is handed paths (or knows its own bundled
default)."""

from __future__ import annotations

from tests.helpers.sources import names_string, package_sources

ENV = "POLYDUB_MODELS"


def test_only_the_model_store_reads_the_models_variable():
    readers = [path for path, source in package_sources() if names_string(source, ENV)]
    assert readers and all(path.startswith("pipeline/models/") for path in readers), readers


def test_only_the_model_store_knows_its_manifest():
    # leaves get checksums handed over (translate.Translator(checksums=...)), never the file
    knowers = [path for path, source in package_sources() if names_string(source, "polydub-model.json")]
    assert knowers == ["pipeline/models/files.py"], knowers


def test_the_check_sees_a_read_and_passes_over_prose():
    # negative controls: each way of reading the variable is caught; a mention in text is not
    assert names_string('import os\nroot = os.environ.get("POLYDUB_MODELS")\n', ENV)
    assert names_string('import os\nroot = os.environ["POLYDUB_MODELS"]\n', ENV)
    assert names_string('import os\nroot = os.getenv("POLYDUB_MODELS", "")\n', ENV)
    assert not names_string('"""Models live in $POLYDUB_MODELS/<name>."""\nmessage = "set $POLYDUB_MODELS"\n', ENV)
