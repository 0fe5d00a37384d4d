"""`api.routes.jobs`: the job record (GET /jobs/{id}) as the API builds it from the service's
snapshot, on the fake step runner (no server, no model)."""

from __future__ import annotations

import json

from api.routes.jobs import job_out
from api.schemas import JobOut
from pipeline.jobs import JobSpec
from tests.helpers.jobs import Harness


def test_the_job_record_lists_the_sentences_to_check_per_language(tmp_path):
    """The page could not show a lost currency sign: the job record did not carry the flags."""
    from tests.helpers.media import flat_videos

    h = Harness(tmp_path)
    video = flat_videos(tmp_path, 1)[0]
    job = h.service.submit(JobSpec.from_dict({"text": "Set it to 6 bar and pay £5. Wear gloves.",
                                              "languages": ["pt", "es"], "presenters": [str(video)]}))
    assert job_out(h.service.snapshot(job)).checks == []  # nothing translated yet
    h.run()
    record = json.loads(job_out(h.service.snapshot(job)).model_dump_json())
    assert [c["language"] for c in record["checks"]] == ["pt", "es"]
    pt = record["checks"][0]
    assert pt["sentences"] == [{"id": "s0", "source": "Set it to 6 bar and pay £5.",
                                "text": "[pt] Set it to 6 bar and pay 5.", "flags": ["currency-changed:£"],
                                "words": ["the currency sign £ is missing from the translation"]}]
    # what to do through the API (not the command line's `polydub review`)
    assert f"GET /jobs/{job}/review/pt" in pt["advice"] and '"edits"' in pt["advice"] and "polydub" not in pt["advice"]
    assert "checks" in JobOut.model_json_schema()["properties"]  # in the OpenAPI schema the page reads


def test_a_job_with_nothing_to_check_has_no_checks(tmp_path):
    from tests.helpers.media import flat_videos

    h = Harness(tmp_path)
    job = h.service.submit(JobSpec.from_dict({"text": "Wear gloves.", "languages": ["pt"],
                                              "presenters": [str(flat_videos(tmp_path, 1)[0])]}))
    h.run()
    assert job_out(h.service.snapshot(job)).checks == []
