"""The "wav2lip" renderer: inputs as the network expects them, out-of-memory halving, and an
end-to-end render of the demo presenter with a random-weight checkpoint on the CPU."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lipsync.errors import ModelNotFoundError, RenderError  # noqa: E402
from lipsync.renderers import create_renderer, renderer_class  # noqa: E402
from lipsync.renderers.base import FrameInput, Renderer, RenderJob  # noqa: E402
from lipsync.wav2lip import Wav2LipModel, Wav2LipRenderer, melspectrogram  # noqa: E402
from lipsync.wav2lip.audio import mel_window_starts, mel_windows  # noqa: E402
from lipsync.wav2lip.renderer import composite_face, face_crop_box, network_faces  # noqa: E402
from tests.helpers.signals import tone  # noqa: E402


class FakeGenerator(torch.nn.Module):
    """Stands in for the generator: records its inputs, paints the face pure blue (in the
    network's BGR order), and runs out of memory on batches above `limit`."""

    def __init__(self, limit: int | None = None, error: Exception | None = None):
        super().__init__()
        self.limit = limit
        self.error = error
        self.batches: list[int] = []
        self.audio: list[torch.Tensor] = []
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, audio, faces):
        if self.error is not None:
            raise self.error
        if self.limit is not None and len(faces) > self.limit:
            raise torch.OutOfMemoryError(f"CUDA out of memory. Tried to allocate for {len(faces)} faces")
        self.batches.append(len(faces))
        self.audio.append(audio.clone())
        out = torch.zeros(len(faces), 3, 96, 96)
        out[:, 0] = 1.0
        return out


def test_network_faces_are_bgr_with_the_lower_half_masked():
    crop = np.zeros((96, 96, 3), np.uint8)
    crop[..., 0] = 255  # red in RGB
    faces = network_faces([crop, crop])
    assert faces.shape == (2, 6, 96, 96) and faces.dtype == np.float32
    assert np.all(faces[:, 2, :48] == 1.0) and np.all(faces[:, 0] == 0.0)  # red is the BGR's third
    assert np.all(faces[:, :3, 48:] == 0.0)  # masked target: lower half black
    assert np.all(faces[:, 5] == 1.0)  # reference: whole face


def test_out_of_memory_halves_the_batch_and_carries_on():
    fake = FakeGenerator(limit=20)
    renderer = Wav2LipRenderer(device="cpu", model=fake, batch_size=128)
    mels = np.random.default_rng(0).standard_normal((50, 80, 16)).astype(np.float32)
    faces = np.zeros((50, 6, 96, 96), np.float32)
    out = renderer.infer(mels, faces)
    assert renderer.batch_size == 16  # 128 -> 64 -> 32 -> 16
    assert sum(fake.batches) == 50 and max(fake.batches) <= 16
    assert out.shape == (50, 96, 96, 3)
    assert np.all(out[..., 2] == 255) and np.all(out[..., :2] == 0)  # BGR blue back as RGB blue
    # every mel window reached the network once, in order
    assert np.array_equal(torch.cat(fake.audio)[:, 0].numpy(), mels)


def test_out_of_memory_at_one_frame_and_other_errors_are_not_swallowed():
    renderer = Wav2LipRenderer(device="cpu", model=FakeGenerator(limit=0), batch_size=4)
    with pytest.raises(RenderError, match="out of memory"):
        renderer.infer(np.zeros((2, 80, 16), np.float32), np.zeros((2, 6, 96, 96), np.float32))
    broken = Wav2LipRenderer(device="cpu", model=FakeGenerator(error=RuntimeError("shape mismatch")))
    with pytest.raises(RuntimeError, match="shape mismatch"):
        broken.infer(np.zeros((2, 80, 16), np.float32), np.zeros((2, 6, 96, 96), np.float32))
    assert broken.batch_size == 128


def test_registered_in_the_engine():
    assert renderer_class("wav2lip") is Wav2LipRenderer
    assert Wav2LipRenderer.name == "wav2lip"
    assert isinstance(Wav2LipRenderer(device="cpu", model=FakeGenerator()), Renderer)


def test_no_checkpoint_anywhere_is_a_clear_error(tmp_path):
    (tmp_path / "wav2lip").mkdir()
    with pytest.raises(ModelNotFoundError) as info:
        create_renderer("wav2lip", device="cpu", checkpoint=tmp_path / "wav2lip")
    message = str(info.value)
    assert str(tmp_path / "wav2lip" / "wav2lip_gan.pth") in message and "--checkpoint" in message


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from lipsync.engine import LipSyncEngine

    return LipSyncEngine(cache_dir=tmp_path_factory.mktemp("cache"), device="cpu")


@pytest.fixture(scope="module")
def analysis(engine, demo_presenter):
    return engine.analyse(demo_presenter)


def _frames(analysis, demo_presenter, n):
    """FrameInputs as the engine builds them: planes, the render box in RGB, region()."""
    from lipsync.crops import render_box
    from lipsync.media import YuvFrame, iter_planes, probe
    from lipsync.colour import output_tags

    info = probe(demo_presenter).video
    tags = output_tags(info.width, info.height, info.colour)
    for i, planes in zip(range(n), iter_planes(demo_presenter, tags)):
        assert isinstance(planes, YuvFrame)
        points = analysis.landmarks[i].astype(np.float32)
        box = render_box(points, planes.width, planes.height)
        yield FrameInput(index=i, source_index=i, time=i / float(analysis.fps), crop=planes.rgb(box), box=box,
                         landmarks=points, pose=analysis.pose[i], target=np.zeros(3, np.float32),
                         width=planes.width, height=planes.height, region=planes.rgb)


def test_each_frame_gets_its_centred_mel_window(analysis, demo_presenter):
    fake = FakeGenerator()
    renderer = Wav2LipRenderer(device="cpu", model=fake, batch_size=4)
    audio = tone(0.6, sample_rate=22050)
    n = 10
    job = RenderJob(presenter=demo_presenter, analysis=analysis, audio=audio, sample_rate=22050, phonemes=(),
                    mouth=None, fps=Fraction(25), n_frames=n, source_indices=np.arange(n),
                    width=analysis.width, height=analysis.height)
    frames = list(_frames(analysis, demo_presenter, n))
    # a frame without a face
    frames[3] = FrameInput(**{**frames[3].__dict__, "landmarks": None, "crop": None, "box": None})
    out = list(renderer.render(job, iter(frames)))
    assert len(out) == n
    assert out[3] is None  # left as decoded
    assert all(o.shape == f.crop.shape and o.dtype == np.uint8 for o, f in zip(out, frames) if f.crop is not None)
    assert fake.batches == [3, 4, 2]  # read ahead 4 frames at a time; the faceless one skipped
    from scipy.signal import resample_poly

    mel = melspectrogram(resample_poly(audio, 320, 441).astype(np.float32))
    starts = mel_window_starts(n, 25, mel.shape[1])
    expected = mel_windows(mel, starts[[i for i in range(n) if i != 3]])
    assert np.allclose(torch.cat(fake.audio)[:, 0].numpy(), expected, atol=1e-5)


def test_blend_stays_inside_the_lower_face(analysis, demo_presenter):
    image = next(iter(_frames(analysis, demo_presenter, 1))).region(None)
    points = analysis.landmarks[0].astype(np.float32)
    h, w = image.shape[:2]
    box = face_crop_box(points, w, h)
    x0, y0, x1, y1 = box
    assert points[152, 1] < y1 and points[10, 1] >= y0 - 1  # chin and forehead inside the crop
    assert abs((x1 - x0) - (y1 - y0)) <= 2  # square (the face is well inside this frame)
    face = np.zeros((96, 96, 3), np.uint8)
    face[..., 1] = 255  # a green face, far from any skin colour
    out = composite_face(image, points, box, face)
    changed = np.abs(out.astype(int) - image.astype(int)).max(2) > 0
    mouth = points[[61, 291, 0, 17]].mean(0).astype(int)
    assert changed[mouth[1], mouth[0]]
    # the band beside the face at mouth height and everything above the nose stays as it was
    s = int(np.hypot(*(points[33] - points[263])))
    band = (slice(mouth[1] - 5, mouth[1] + 5), slice(max(0, x0 - s), x0))
    assert not changed[band].any()
    assert not changed[: int(points[4, 1])].any()
    assert not changed[:, :x0].any() and not changed[y1:].any()
    # negative control: pasting the upscaled face as a box changes the band
    import cv2

    pasted = image.copy()
    pasted[y0:y1, x0:x1] = cv2.resize(face, (x1 - x0, y1 - y0))
    pasted_changed = np.abs(pasted.astype(int) - image.astype(int)).max(2) > 0
    assert pasted_changed[: int(points[4, 1])].any()


@pytest.mark.slow
def test_end_to_end_render_with_an_official_layout_checkpoint(engine, demo_presenter, analysis, tmp_path):
    from lipsync.media import iter_frames, probe

    torch.manual_seed(0)
    checkpoint = tmp_path / "wav2lip_gan.pth"
    torch.save({"state_dict": {"module." + k: v for k, v in Wav2LipModel().state_dict().items()},
                "global_step": 0, "global_epoch": 0}, checkpoint)
    out = tmp_path / "out.mp4"
    result = engine.render(demo_presenter, tone(1.0), 16000, [], out, renderer="wav2lip",
                           renderer_options={"checkpoint": checkpoint, "batch_size": 16})
    assert result.renderer == "wav2lip" and result.frames == 25
    info = probe(out)
    assert (info.video.width, info.video.height) == (480, 480) and info.video.frames == 25
    assert info.video.fps == Fraction(25)
    points = analysis.landmarks[10]
    mouth = points[[61, 291, 0, 17]].mean(0).astype(int)
    nose_y = int(points[4, 1])
    src = next(f for i, f in enumerate(iter_frames(demo_presenter)) if i == 10)
    got = next(f for i, f in enumerate(iter_frames(out)) if i == 10)
    diff = np.abs(src.astype(float) - got.astype(float)).mean(2)
    r = 6
    # the mouth was replaced (random weights paint a flat face), the eyes were not
    assert diff[mouth[1] - r: mouth[1] + r, mouth[0] - r: mouth[0] + r].mean() > 10
    assert diff[: nose_y - 10].mean() < 3
