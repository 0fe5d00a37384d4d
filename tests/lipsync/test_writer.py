"""Every output carries colour tags (BT.709 for HD, BT.601 for SD, an SDR source's own), and
its pixels are converted with the matrix the tags name; the same frames give the same bytes
however many CPUs the encoder may use."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction

import av
import numpy as np
import pytest
from tests.helpers.media import encode_frames

from lipsync import colour, media, writer

SWATCHES = np.array([[200, 40, 40], [40, 180, 60], [50, 60, 200], [230, 200, 40]], np.uint8)


def _swatch_frame(width: int, height: int) -> np.ndarray:
    frame = np.empty((height, width, 3), np.uint8)
    for k, rgb in enumerate(SWATCHES):
        frame[:, k * width // 4:(k + 1) * width // 4] = rgb
    return frame


def _stream_tags(path) -> colour.ColourTags:
    with av.open(str(path)) as c:
        return colour.frame_tags(next(c.decode(video=0)))


@pytest.mark.parametrize("size,want", [((320, 240), colour.BT601), ((1280, 720), colour.BT709),
                                       ((720, 1280), colour.BT709)])
def test_outputs_are_tagged_by_size_and_colours_survive(tmp_path, size, want):
    width, height = size
    path = tmp_path / "out.mp4"
    with media.VideoWriter(path, width, height, Fraction(25), comment=None) as w:
        w.write(_swatch_frame(width, height))
    assert _stream_tags(path) == want
    assert media.probe(path).video.colour == want
    back = media.read_frame(path)
    for k, rgb in enumerate(SWATCHES):
        x = (2 * k + 1) * width // 8
        assert np.abs(back[height // 2, x].astype(int) - rgb).max() <= 4, (k, back[height // 2, x])


def test_an_sdr_source_keeps_its_own_tags():
    pal = colour.ColourTags(colour.PRI_BT470BG, colour.TRC_BT709, colour.SPC_BT470BG, colour.RANGE_MPEG)
    assert colour.output_tags(1920, 1080, pal) == pal
    partial = colour.ColourTags(matrix=colour.SPC_BT709)
    assert colour.output_tags(640, 360, partial) == colour.ColourTags(
        colour.PRI_SMPTE170M, colour.TRC_SMPTE170M, colour.SPC_BT709, colour.RANGE_MPEG)
    hdr = colour.ColourTags(colour.PRI_BT2020, colour.TRC_SMPTE2084, colour.SPC_BT2020_NCL, colour.RANGE_MPEG)
    assert colour.output_tags(1920, 1080, hdr) == colour.BT709


def test_a_written_file_carries_the_source_tags(tmp_path):
    pal = colour.ColourTags(colour.PRI_BT470BG, colour.TRC_SMPTE170M, colour.SPC_BT470BG, colour.RANGE_MPEG)
    path = tmp_path / "pal.mp4"
    with media.VideoWriter(path, 128, 96, Fraction(25), comment=None, colour=pal) as w:
        w.write(_swatch_frame(128, 96))
    assert _stream_tags(path) == pal


def test_untagged_hd_input_is_read_as_bt709(tmp_path):
    """An untagged HD file converted with the BT.709 matrix reads back right (players assume it)."""
    path = tmp_path / "untagged.mkv"
    frame = _swatch_frame(1280, 720)
    with av.open(str(path), "w") as c:
        s = c.add_stream("ffv1", rate=25)
        s.width, s.height, s.pix_fmt = 1280, 720, "yuv444p"
        vf = av.VideoFrame.from_ndarray(frame, format="rgb24").reformat(
            format="yuv444p", dst_colorspace="ITU709", dst_color_range="MPEG")
        vf.colorspace, vf.color_range = colour.SPC_UNSPECIFIED, colour.RANGE_UNSPECIFIED
        for p in list(s.encode(vf)) + list(s.encode(None)):
            c.mux(p)
    assert media.probe(path).video.colour.matrix == colour.SPC_UNSPECIFIED
    back = media.read_frame(path)
    for k, rgb in enumerate(SWATCHES):
        assert np.abs(back[360, (2 * k + 1) * 160].astype(int) - rgb).max() <= 3


def test_a_decoded_frame_passed_through_does_not_impose_its_source_frame_types(tmp_path):
    # A source of keyframes only: passed straight to the writer, its frames carry type I, which
    # libx264 would obey; the writer leaves the frame types to the encoder instead.
    src = tmp_path / "intra.mp4"
    with media.VideoWriter(src, 64, 48, Fraction(25), comment=None, gop=1) as w:
        for i in range(30):
            w.write(np.full((48, 64, 3), 40 + 4 * i, np.uint8))
    out = tmp_path / "out.mp4"
    with av.open(str(src)) as c, media.VideoWriter(out, 64, 48, Fraction(25), comment=None) as w:
        for frame in c.decode(video=0):
            assert frame.key_frame
            w.write_frame(frame)
    with av.open(str(out)) as c:
        keys = [p.is_keyframe for p in c.demux(video=0) if p.size]
    assert len(keys) == 30 and sum(keys) == 1


@pytest.mark.parametrize("size,large", [((1920, 1080), False), ((1920, 1200), True)])
def test_frames_above_1080p_get_a_shorter_encoder_queue(tmp_path, size, large):
    # libx264 writes its settings into the stream (an SEI in the first frame): read them back.
    out = tmp_path / "v.mp4"
    with media.VideoWriter(out, *size, Fraction(25), comment=None) as w:
        for i in range(3):
            w.write(np.full((size[1], size[0], 3), 60 + 20 * i, np.uint8))
    with av.open(str(out)) as c:
        first = bytes(next(p for p in c.demux(video=0) if p.size))
    settings = first[first.index(b"options:"):].split(b"\x00")[0]
    assert (b" bframes=1 " in settings and b" rc_lookahead=3 " in settings) is large
    assert (b" bframes=3 " in settings) is not large


def _on_cpus(cpus: set[int], write):
    """Run `write()` with this thread (and the encoder threads it starts) allowed only `cpus`."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        return write()
    finally:
        os.sched_setaffinity(0, before)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs to give x264 two thread counts")
def test_the_same_frames_give_the_same_bytes_on_fewer_cpus(tmp_path):
    base = np.random.default_rng(0).integers(0, 256, (256, 256, 3), np.uint8)
    frames = [np.roll(base, 3 * i, axis=1) for i in range(30)]

    def product(name: str) -> bytes:
        with media.VideoWriter(tmp_path / name, 256, 256, Fraction(25), comment=None) as w:
            for f in frames:
                w.write(f)
        return (tmp_path / name).read_bytes()

    def default_threads(name: str) -> bytes:
        with av.open(str(tmp_path / name), "w") as c:
            s = c.add_stream("libx264", rate=25)
            s.width, s.height, s.pix_fmt = 256, 256, "yuv420p"
            s.options = {"crf": str(writer.DEFAULT_CRF), "preset": writer.DEFAULT_PRESET}
            encode_frames(c, s, (av.VideoFrame.from_ndarray(f, format="rgb24") for f in frames))
        return (tmp_path / name).read_bytes()

    one = {min(os.sched_getaffinity(0))}
    assert product("all.mp4") == _on_cpus(one, lambda: product("one.mp4"))
    # Negative control: on x264's default thread count the bytes follow the CPUs.
    assert default_threads("all-default.mp4") != _on_cpus(one, lambda: default_threads("one-default.mp4"))


# The encode of `test_the_heap_does_not_change_the_bytes`, in a fresh process. 320 pixels wide:
# 20 macroblocks, not a multiple of the 8 that x264's AVX-512 macroblock-tree code works in.
_HEAP_SCRIPT = """
import hashlib, sys
from fractions import Fraction
import numpy as np
from lipsync import media, writer
writer.X264_PARAMS = sys.argv[2]
y, x = np.mgrid[0:240, 0:320]
with media.VideoWriter(sys.argv[1], 320, 240, Fraction(25), comment=None) as w:
    for i in range(12):
        blob = 255 * np.exp(-((x - 60 - 15 * i) ** 2 + (y - 120) ** 2) / 800.0)
        w.write(np.stack([blob, (x + 2 * i) % 256, (y + i) % 256], -1).astype(np.uint8))
print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())
"""


def _encode_in_a_process(path, perturb: int, params: str = writer.X264_PARAMS) -> str:
    """SHA-256 of `_HEAP_SCRIPT`'s output, written by a process whose freed and new heap
    memory glibc fills with `perturb` (MALLOC_PERTURB_; 0: left as it is)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "MALLOC_PERTURB_": str(perturb),
           "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", _HEAP_SCRIPT, str(path), params], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_heap_does_not_change_the_bytes(tmp_path):
    """x264's SIMD macroblock tree read memory it never wrote: the same frames gave other bytes
    per process (MALLOC_PERTURB_ 165 and 90 gave two outputs on an AVX-512 CPU)."""
    digests = {_encode_in_a_process(tmp_path / f"{p}.mp4", p) for p in (0, 165, 90)}
    assert len(digests) == 1


def test_the_bytes_are_x264s_plain_c_output(tmp_path):
    """`cpu-independent` leaves no CPU-dependent code in the encode: the bytes equal x264's with
    every SIMD routine off (asm=0), on any CPU. Fails without the flag on SIMD CPUs whose
    macroblock-tree floats differ from C (here: an AVX-512 one)."""
    no_flag_c = _encode_in_a_process(tmp_path / "c0.mp4", 0, "asm=0")
    if _encode_in_a_process(tmp_path / "s0.mp4", 0, "") == no_flag_c:
        pytest.skip("this CPU's SIMD macroblock tree gives C's bytes: nothing to tell apart")
    plain_c = _encode_in_a_process(tmp_path / "c.mp4", 0, writer.X264_PARAMS + ":asm=0")
    assert _encode_in_a_process(tmp_path / "simd.mp4", 0) == plain_c


def test_changed_frames_handed_over_as_planes_each_reach_the_file_as_given(tmp_path):
    """The writer reuses one frame for every patched frame: each must still be encoded as it
    was handed over (lossless, so decoding gives the samples back), and the decoded source
    frame they were patched from stays untouched."""
    from lipsync.planes import YuvFrame

    rng = np.random.default_rng(11)
    samples = rng.integers(16, 236, (96, 64), dtype=np.uint8)
    source = YuvFrame.from_video_frame(av.VideoFrame.from_ndarray(samples, format="yuv420p"), "ITU709")
    box = (8, 8, 40, 48)
    before = source.rgb(box)
    frames = [source]
    for level in (40, 120, 220):
        after = before.copy()
        after[4:30, 6:24] = level
        frames.append(source.with_rgb(box, before, after))
    out = tmp_path / "planes.mp4"
    with writer.VideoWriter(out, 64, 64, Fraction(25), lossless=True, comment=None) as w:
        for f in frames:
            w.write_planes(f)
    with av.open(str(out)) as c:
        decoded = [fr.to_ndarray(format="yuv420p") for fr in c.decode(video=0)]
    assert len(decoded) == 4
    for f, got in zip(frames, decoded):
        y, u, v = f.planes()
        np.testing.assert_array_equal(got, np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(-1, 64))
    assert len({got[20, 20] for got in decoded}) == 4  # four different frames (the test can fail)
    np.testing.assert_array_equal(np.concatenate([p.ravel() for p in source.planes()]).reshape(-1, 64), samples)
