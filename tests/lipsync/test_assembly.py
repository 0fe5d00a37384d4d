"""Frame assembly: outside the lower-face box, the encoder gets the decoded frames exactly;
in the encoded output, the untouched face is as good as a straight re-encode."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tests.helpers.signals import tone
from tests.helpers.untouched import face_regions as _regions, psnr as _psnr, straight_reencode as _straight_reencode
from lipsync import media
from lipsync.assembly import FrameAssembly
from lipsync.colour import output_tags
from lipsync.crops import render_box
from lipsync.errors import RenderError
from lipsync.planes import YuvFrame
from pipeline.evaluate.sync import picture_types

SR = 16000


def _record_encoder_input(monkeypatch, out):
    """Every frame handed to the encoder of `out` (not of the ping-pong intermediate)."""
    seen: list[YuvFrame] = []
    original = media.VideoWriter.write_planes

    def tap(self, frame):
        if self.path == out:
            seen.append(frame)
        return original(self, frame)

    monkeypatch.setattr(media.VideoWriter, "write_planes", tap)
    return seen


def test_outside_the_box_the_encoder_gets_the_decoded_frames(engine, demo_presenter, tmp_path, monkeypatch,
                                                              make_timeline):
    """7 s of speech on a 3 s clip: forwards, backwards (through the intermediate), forwards."""
    out = tmp_path / "out.mp4"
    seen = _record_encoder_input(monkeypatch, out)
    r = engine.render(demo_presenter, tone(7.0), SR, make_timeline(7.0), out)
    a = engine.analyse(demo_presenter)
    info = media.probe(demo_presenter).video
    decoded = list(media.iter_planes(demo_presenter, output_tags(info.width, info.height, info.colour)))
    order = list(media.playback_indices(a.n_frames, r.frames))
    assert len(seen) == r.frames == 175 and min(order[60:100]) < max(order[60:100])
    changed_frames = 0
    for i, (frame, src) in enumerate(zip(seen, order)):
        before = decoded[src]
        x0, y0, x1, y1 = render_box(np.asarray(a.landmarks[src], np.float32), before.width, before.height)
        outside = np.ones((before.height, before.width), bool)
        outside[y0:y1, x0:x1] = False
        y_new, u_new, v_new = frame.planes()
        y_old, u_old, v_old = before.planes()
        assert np.array_equal(y_new[outside], y_old[outside]), f"frame {i} (source {src})"
        c_out = outside[::2, ::2]
        assert np.array_equal(u_new[c_out], u_old[c_out]) and np.array_equal(v_new[c_out], v_old[c_out])
        changed_frames += not np.array_equal(y_new, y_old)
    assert changed_frames > 0.5 * r.frames  # the mouth did change (the test can fail)


def test_frames_without_a_face_pass_as_decoded_and_a_wrong_crop_is_refused():
    n = 2
    analysis = SimpleNamespace(n_frames=n, has_face=np.array([False, True]), width=64, height=48,
                               landmarks=None, pose=None)
    job = SimpleNamespace(analysis=analysis, fps=25, mouth=SimpleNamespace(shape=np.zeros((n, 3))),
                          presenter="p.mp4", width=64, height=48)
    assembly = FrameAssembly(job, enc_size=(64, 48))
    frame = YuvFrame(np.full((72, 64), 100, np.uint8), "ITU709")
    item = next(assembly.inputs([(0, frame)]))
    assert item.crop is None and item.box is None and assembly.no_face == 1
    assert assembly.assemble(None, "fake") is frame
    with pytest.raises(RenderError, match="more frames"):
        assembly.assemble(None, "fake")
    assembly._pending.append((frame, SimpleNamespace(crop=np.zeros((4, 4, 3), np.uint8), box=(0, 0, 4, 4))))
    with pytest.raises(RenderError, match="broken"):
        assembly.assemble(np.zeros((4, 6, 3), np.uint8), "fake")


# --------------------------------------------------------------------------- real footage


@pytest.mark.media
@pytest.mark.slow
@pytest.mark.parametrize("name", ["presenter_a.mp4", "presenter_b.mp4", "presenter_c.mp4"])
def test_untouched_face_is_as_good_as_a_straight_reencode(engine, shared_media, tmp_path, name, make_timeline):
    video = shared_media / name
    a = engine.analyse(video)
    seconds = 1.6 * a.n_frames / float(a.fps)  # longer than the clip: a backward run
    speech, sr = media.read_audio(shared_media / "narration_en.wav", SR)
    speech = np.tile(speech, 2)[: int(seconds * sr)]
    r = engine.render(video, speech, sr, make_timeline(seconds), tmp_path / "render.mp4")
    order = list(media.playback_indices(a.n_frames, r.frames))
    types = picture_types(r.path, r.frames)
    assert types, "the render's frame types could not be read frame for frame"
    ref = _straight_reencode(video, order, tmp_path / "reference.mp4", types)
    assert picture_types(ref) == types  # libx264 took every type it was given
    info = media.probe(video).video
    tags = output_tags(info.width, info.height, info.colour)
    sse = {}  # (region, direction) -> [render sse, reference sse, pixels]
    with media.FrameSequence(video) as seq:
        streams = zip(seq.planes(order), media.iter_planes(r.path, tags), media.iter_planes(ref, tags))
        for i, ((src, source), rendered, reference) in enumerate(streams):
            if not a.has_face[src]:
                continue
            points = np.asarray(a.landmarks[src], np.float32)
            box = render_box(points, source.width, source.height)
            direction = "backward" if i and order[i] < order[i - 1] else "forward"
            y_src = source.planes()[0].astype(np.float32)
            for region, m in _regions(points, box, source.width, source.height).items():
                acc = sse.setdefault((region, direction), [0.0, 0.0, 0])
                acc[0] += float(((rendered.planes()[0][m] - y_src[m]) ** 2).sum())
                acc[1] += float(((reference.planes()[0][m] - y_src[m]) ** 2).sum())
                acc[2] += int(m.sum())
    assert {d for _, d in sse} == {"forward", "backward"}
    for (region, direction), (s_render, s_ref, n) in sse.items():
        got, want = _psnr(s_render, n), _psnr(s_ref, n)
        assert got >= want - 0.3, f"{name} {region} {direction}: {got:.2f} dB vs re-encode {want:.2f} dB"
