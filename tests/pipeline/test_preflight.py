"""`pipeline.preflight`: what is refused before any task runs, and what is let through."""

from __future__ import annotations

import pytest
from PIL import Image

from pipeline import steps
from pipeline.errors import InputError
from pipeline.jobs.spec import JobSpec
from pipeline.models import ModelStore
from pipeline.preflight import check_audio, check_inputs, check_presenter
from tests.helpers.media import clip_with_audio, cut_off, write_wav


@pytest.fixture
def toolkit(tmp_path):
    (tmp_path / "models").mkdir()
    return steps.Toolkit(store=ModelStore(tmp_path / "models"), cache_dir=tmp_path / "cache")


def test_a_cut_off_file_passes_when_accepted(tmp_path):
    cut = cut_off(clip_with_audio(tmp_path / "whole.mkv"), tmp_path / "cut.mkv")
    with pytest.raises(InputError, match="cut off"):
        check_presenter(cut)
    assert check_presenter(cut, accept_truncated=True).video is not None
    assert check_audio(cut, accept_truncated=True).audio is not None


def test_a_photo_is_a_presenter_and_a_silent_one_is_no_narration(tmp_path):
    photo = tmp_path / "face.png"
    Image.new("RGB", (32, 32), (200, 150, 120)).save(photo)
    assert check_presenter(photo).is_image
    with pytest.raises(InputError, match="no audio stream"):
        check_audio(photo)
    assert check_audio(write_wav(tmp_path / "talk.wav")).audio is not None


def test_stored_references_are_left_to_the_service_but_paths_must_exist(tmp_path, toolkit):
    spec = JobSpec.from_dict({"text": "Clean the nozzle.", "languages": ["pt"], "presenters": ["a1b2c3d4e5"]})
    check_inputs(spec, toolkit, paths=False)  # a presenter id: probed when it was uploaded
    with pytest.raises(InputError, match="a1b2c3d4e5: no such presenter file"):
        check_inputs(spec, toolkit)


def test_a_language_no_model_reaches_is_refused_for_the_whole_script(tmp_path, toolkit):
    video = clip_with_audio(tmp_path / "ana.mkv", frames=5)
    spec = JobSpec.from_dict({"text": "Clean the nozzle.", "languages": ["pt", "fi"], "source_language": "en",
                              "presenters": [str(video)]})
    with pytest.raises(InputError, match="no model translates en->fi"):
        check_inputs(spec, toolkit)
    check_inputs(JobSpec.from_dict({**spec.to_dict(), "languages": ["pt"]}), toolkit)


def test_a_script_given_as_english_with_a_french_line_is_refused_unless_accepted(tmp_path, toolkit):
    video = clip_with_audio(tmp_path / "ana.mkv", frames=5)
    text = ("Clean the nozzle at the end of every shift.\n\n"
            "Nettoyez la buse à la fin de chaque journée de travail.\n\n"
            "Report every damaged cable to your supervisor at once.\n")
    spec = JobSpec.from_dict({"text": text, "languages": ["pt"], "source_language": "en", "presenters": [str(video)]})
    with pytest.raises(InputError, match=r"given as en, but line 3 reads as French \(fr\)"):
        check_inputs(spec, toolkit)
    check_inputs(JobSpec.from_dict({**spec.to_dict(), "accept_mixed_language": True}), toolkit)
    # detected (no source language): the French line is its own, and no model takes it to pt
    with pytest.raises(InputError, match=r"line 3 in French \(fr\).*--accept-mixed-language"):
        check_inputs(JobSpec.from_dict({**spec.to_dict(), "source_language": None}), toolkit)
