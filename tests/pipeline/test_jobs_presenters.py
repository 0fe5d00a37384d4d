"""Presenters and file references of a job (pipeline/jobs/presenters.py)."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.jobs.artifacts import ArtifactStore
from pipeline.jobs.service import JobService
from pipeline.jobs.spec import JobSpec
from pipeline.jobs.store import JobStore


@pytest.mark.parametrize("field, spec", [
    ("translations", {"translations": "gone.xlf", "presenters": ()}),
    ("presenters", {"presenters": ("bo.mov",)}),
    ("glossary", {"glossary": "terms.csv", "presenters": ()}),
])
def test_a_missing_file_names_its_field_and_the_absolute_path_looked_at(tmp_path, monkeypatch, field, spec):
    """fresh3 finding 12: "'nozzle.pt-BR.xlf' is neither an uploaded presenter/file nor a file on disk"."""
    monkeypatch.chdir(tmp_path)
    service = JobService(JobStore(tmp_path / "jobs.sqlite"), ArtifactStore(tmp_path / "artifacts"), None,
                         data_dir=tmp_path / "data", min_free_bytes=0, allow_paths=True)
    name = spec.get(field) if field != "presenters" else spec["presenters"][0]
    with pytest.raises(InputError) as caught:
        service.library.resolve(JobSpec(languages=("pt",), text="Hi.", **spec))
    assert str(caught.value) == f"{field}: no such file {tmp_path / name}; check the path"
