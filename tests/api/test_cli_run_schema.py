"""`polydub run --schema` and the help's pointer to the README's job file section."""

from __future__ import annotations

import json

import pytest

from api.cli import main
from pipeline.jobs.schema import job_schema


def test_schema_flag_prints_the_generated_schema(capsys) -> None:
    assert main(["run", "--schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == job_schema()
    assert printed["properties"]["rate"]["maximum"] == 2.0


def test_help_points_to_the_readme_section(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert 'README.md, section "The job file"' in help_text
    assert "--schema" in help_text


def test_no_job_file_is_a_one_line_error(capsys) -> None:
    assert main(["run"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "give a job file" in err
