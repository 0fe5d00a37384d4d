"""`pipeline.steps`: models imported into the store reach the translator, through the toolkit,
for the job runner (this module) and the command line (tests/api/test_cli_localize.py)."""

from __future__ import annotations

import json

import pytest

from api.cli import main
from pipeline.errors import InputError
from pipeline.jobs import ArtifactStore, JobSpec, JobStore, Scheduler
from pipeline.jobs.executor import drain
from pipeline.jobs.runner import PipelineRunner
from pipeline.jobs.service import JobService
from pipeline.models import ModelStore
from pipeline.steps import Toolkit, read_script, translate_script

TEXT = "Open the valve. Wear gloves."


@pytest.fixture(scope="module")
def tiny_en_de(tmp_path_factory):
    """A MarianMT en->de model with random weights, built in code (OPUS-MT's folder name)."""
    from tests.helpers.translate import build_tiny_marian

    return build_tiny_marian(tmp_path_factory.mktemp("marian") / "opus-mt-en-de")


@pytest.fixture
def one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)  # a 32-wide model gains nothing from threads on a busy machine
    yield
    torch.set_num_threads(before)


def test_toolkit_translates_with_an_imported_model(tmp_path, monkeypatch, tiny_en_de, one_torch_thread, capsys):
    monkeypatch.setenv("POLYDUB_MODELS", str(tmp_path / "models"))
    doc = read_script(TEXT, "en")
    with pytest.raises(InputError, match="polydub models import"):
        translate_script(doc, "de", Toolkit(cache_dir=tmp_path / "cache"))
    assert main(["models", "import", str(tiny_en_de)]) == 0
    capsys.readouterr()
    translation = translate_script(doc, "de", Toolkit(cache_dir=tmp_path / "cache"))
    assert translation.backend == "marian" and translation.target_language == "de"
    assert ModelStore().translation_models() == {"opus-mt-en-de": tmp_path / "models" / "opus-mt-en-de"}


def test_job_runner_translates_with_an_imported_model(tmp_path, monkeypatch, tiny_en_de, one_torch_thread,
                                                      write_video, capsys):
    monkeypatch.setenv("POLYDUB_MODELS", str(tmp_path / "models"))
    assert main(["models", "import", str(tiny_en_de)]) == 0
    capsys.readouterr()
    store, artifacts = JobStore(tmp_path / "jobs.sqlite"), ArtifactStore(tmp_path / "artifacts")
    service = JobService(store, artifacts, None, data_dir=tmp_path, min_free_bytes=0, allow_paths=True)
    runner = PipelineRunner(tmp_path)
    video = write_video(tmp_path / "ana.mp4", frames=3)
    # review: true stops the graph after translation, which is what this test is about
    job = service.submit(JobSpec.from_dict({"text": TEXT, "languages": ["de"], "presenters": [str(video)],
                                            "source_language": "en", "review": True}))
    drain(Scheduler(store, artifacts, runner.versions(), only_jobs={job}), runner)
    task = store.task(job, "translate:de")
    assert task["state"] == "done", task["error"]
    data = json.loads((artifacts.path(task["output"]) / "translation.json").read_text())
    assert data["backend"] == "marian" and data["target_language"] == "de"


class _RecordingEngine:
    """Stands in for lipsync.LipSyncEngine: records what `render` was asked."""

    def __init__(self):
        self.options = None

    def render(self, *args, renderer_options=None, **kwargs):
        self.options = renderer_options
        return "rendered"


def test_wav2lip_checkpoint_comes_from_the_model_store(tmp_path):
    import numpy as np

    from pipeline.errors import ModelNotFoundError
    from pipeline.steps import render
    from tts.types import Speech

    speech = Speech(np.zeros(160, np.float32), 16_000, (), (), (), "en", "espeak:en", "espeak")
    engine = _RecordingEngine()
    toolkit = Toolkit(store=ModelStore(tmp_path / "models"), cache_dir=tmp_path / "cache", engine=engine)
    with pytest.raises(ModelNotFoundError, match=r"'wav2lip' not found; searched: .*models/wav2lip.*--checkpoint"):
        render(tmp_path / "ana.mp4", speech, tmp_path / "out.mp4", toolkit, renderer="wav2lip")
    (tmp_path / "models" / "wav2lip").mkdir(parents=True)
    render(tmp_path / "ana.mp4", speech, tmp_path / "out.mp4", toolkit, renderer="wav2lip")
    assert engine.options == {"checkpoint": str(tmp_path / "models" / "wav2lip")}
    render(tmp_path / "ana.mp4", speech, tmp_path / "out.mp4", toolkit, renderer="wav2lip",
           renderer_options={"checkpoint": "/given.pth"})
    assert engine.options == {"checkpoint": "/given.pth"}  # a given checkpoint wins
    render(tmp_path / "ana.mp4", speech, tmp_path / "out.mp4", toolkit, renderer="auto")
    assert engine.options is None  # other renderers take no checkpoint


def test_a_translation_to_check_is_logged_with_its_sentence_and_what_is_wrong(tmp_path, caplog):
    """The warning named only the id ("s1 currency-changed:£"), not the sentence."""
    import logging

    from tests.helpers.translate import fake_engine
    from translate import Translator

    engine = fake_engine("en", "pt", lambda t: t.replace("£", ""), "en-pt")
    toolkit = Toolkit(cache_dir=tmp_path / "cache", translator=Translator(engines=[engine], bundled=False))
    doc = read_script("Set it to 6 bar and pay £5.\n\nWear gloves.\n", "en")
    with caplog.at_level(logging.WARNING, logger="pipeline.steps"):
        translate_script(doc, "pt", toolkit)
    (message,) = [r.getMessage() for r in caplog.records if "to check" in r.getMessage()]
    assert '"Set it to 6 bar and pay £5."' in message
    assert "the currency sign £ is missing from the translation" in message and "Wear gloves" not in message


def test_the_steps_do_not_depend_on_the_job_service():
    """Before: steps.translate_script imported pipeline.jobs.checks for its check helpers; the
    steps are what the job layer runs, so they import nothing of it (the helpers live in
    pipeline.segments)."""
    import ast
    from pathlib import Path

    import pipeline.steps

    tree = ast.parse(Path(pipeline.steps.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert sorted(m for m in imported if m.startswith("pipeline.jobs")) == []
