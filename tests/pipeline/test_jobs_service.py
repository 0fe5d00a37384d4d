"""`pipeline.jobs.service`: what the service names a job when its spec gives no name."""

from __future__ import annotations

import pytest

from pipeline.jobs import JobSpec
from tests.helpers.jobs import Harness


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    from tests.helpers.media import flat_videos

    return flat_videos(tmp_path_factory.mktemp("videos"), 1)


def test_the_default_name_says_the_languages_in_words_as_the_page_does(tmp_path, videos):
    """Before: "Clean the nozzle → pt-BR, es" (raw BCP-47 tags) on the command line and in the API."""
    h = Harness(tmp_path)
    job = h.service.submit(JobSpec.from_dict({"text": "# Clean the nozzle\n\nWear gloves.",
                                              "languages": ["pt-BR", "es"], "presenters": [str(videos[0])]}))
    assert h.store.job(job)["name"] == "Clean the nozzle → Portuguese (Brazil), Spanish"
    named = h.service.submit(JobSpec.from_dict({"text": "Hi.", "languages": ["pt"], "presenters": [str(videos[0])],
                                                "name": "nozzle course"}))
    assert h.store.job(named)["name"] == "nozzle course"


def test_a_narration_to_detect_is_named_in_words(tmp_path, videos):
    from tests.helpers.media import write_wav

    wav = write_wav(tmp_path / "talk.wav")
    h = Harness(tmp_path)
    job = h.service.submit(JobSpec.from_dict({"narrations": {"und": str(wav)}, "presenters": [str(videos[0])]}))
    assert h.store.job(job)["name"] == "narration → language detected from the recording"
