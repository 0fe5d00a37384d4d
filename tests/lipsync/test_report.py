"""The presenter report: what it says about the footage."""

from __future__ import annotations

import dataclasses
import json

from lipsync.report import presenter_report


def test_several_faces_are_reported_with_the_other_faces_width(engine, demo_presenter):
    one = engine.analyse(demo_presenter)
    two = dataclasses.replace(one, faces_in_frame=2, other_face_px=91.6)
    report = presenter_report(two)
    assert report.faces_in_frame == 2 and report.other_face_px == 91.6
    line = [a for a in report.advice if "faces are in the frame" in a]
    assert len(line) == 1 and "largest is lip-synced" in line[0] and "92 px" in line[0]
    as_json = json.loads(json.dumps(report.to_dict()))
    assert as_json["faces_in_frame"] == 2 and as_json["other_face_px"] == 91.6
    # One face: no such line (negative control).
    single = presenter_report(one)
    assert single.faces_in_frame == 1 and not any("faces are in the frame" in a for a in single.advice)
