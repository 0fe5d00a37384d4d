"""Does the render follow its mouth track where the source's jaw disagrees (issue 18, item 4)?

    PYTHONPATH=. .venv/bin/python bench/bench_jaw.py [PRESENTERS=cab] [NARRATION=tts_en|tts_pt|narration_en] [--follow-jaw]
    PYTHONPATH=. .venv/bin/python bench/bench_jaw.py --upper [PRESENTERS=cab] [--follow-jaw]
        [--starts=0.2,0.26,0.33,0.41] [--x264=b-adapt=0]

Per presenter (exemplar renderer): "follows r0", the render's tracked opening (dlib) against
its mouth track at lag 0 (bench_quality's figure); the mean |z error| on the quarter of frames
where the source's own opening disagrees most with the track and on the rest
(`bench_quality.jaw_disagreement`); seam step, side band and upper face against a plain
re-encode; the opening spread against the source; wall time per frame (machine load shows).

`--upper`: the untouched-face bar of `tests/lipsync/test_assembly.py` (its regions and its
straight re-encode, tests/helpers/untouched.py; narration_en over 1.6 x the clip, the made-up
timeline starting at each of `--starts` s): per presenter and start, the upper face, the band
beside the face and the box edge, render against re-encode (dB, each against the decoded
source), forwards and backwards;
then the frames x264 coded as B in the render but P in the re-encode (and the reverse), and the
upper face's dB on the frames whose types differ and on those whose types agree. `--x264`
appends x264 options to both encodes (the product's and the re-encode's writer).
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from bench_quality import TTS_TEXT, jaw_disagreement  # noqa: E402

MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"


def narration(name: str, media: Path):
    """(samples, rate, driving timeline) for a TTS text or the recorded narration."""
    import tts
    if name == "narration_en":
        import translate
        from lipsync.media import read_audio
        from pipeline.evaluate.hearing import JUDGE_RECOGNISER
        from pipeline.models import ModelStore
        s, r = read_audio(media / "narration_en.wav")
        words = translate.Transcriber(ModelStore().path("whisper-base"), **JUDGE_RECOGNISER).transcribe(s, r)
        return s, r, tuple(tts.align(s, r, words.words, words.language))
    lang = name.removeprefix("tts_")
    speech = tts.Synthesizer().synthesize(TTS_TEXT[lang], lang)
    return speech.audio, speech.sample_rate, tuple(speech.phonemes)


def upper(presenters: str, follow: bool, starts: list[float], media: Path) -> None:
    """The --upper run (see the module docstring)."""
    import numpy as np

    import lipsync
    from lipsync import media as lm
    from lipsync.colour import output_tags
    from lipsync.crops import render_box
    from pipeline.evaluate.sync import picture_types
    from tests.helpers.signals import speech_timeline
    from tests.helpers.untouched import face_regions, psnr, straight_reencode

    speech, sr = lm.read_audio(media / "narration_en.wav", 16000)
    with tempfile.TemporaryDirectory(prefix="polydub-bench-jaw-") as tmp:
        engine = lipsync.LipSyncEngine(Path(tmp) / "cache")
        for p in presenters:
            video = media / f"presenter_{p}.mp4"
            a = engine.analyse(video)
            seconds = 1.6 * a.n_frames / float(a.fps)
            audio = np.tile(speech, 2)[: int(seconds * sr)]
            info = lm.probe(video).video
            tags = output_tags(info.width, info.height, info.colour)
            for start in starts:
                out, ref = Path(tmp) / "render.mp4", Path(tmp) / "reference.mp4"
                r = engine.render(video, audio, sr, speech_timeline(seconds, start=start), out,
                                  renderer="exemplar", renderer_options={"follow_jaw": follow})
                order = list(lm.playback_indices(a.n_frames, r.frames))
                straight_reencode(video, order, ref)
                t_out, t_ref = picture_types(out), picture_types(ref)
                sse: dict[tuple[str, str], list[float]] = {}
                with lm.FrameSequence(video) as seq:
                    streams = zip(seq.planes(order), lm.iter_planes(out, tags), lm.iter_planes(ref, tags))
                    for i, ((src, source), rendered, reference) in enumerate(streams):
                        if not a.has_face[src]:
                            continue
                        points = np.asarray(a.landmarks[src], np.float32)
                        box = render_box(points, source.width, source.height)
                        back = i and order[i] < order[i - 1]
                        y = source.planes()[0].astype(np.float32)
                        types = "differ" if t_out[i] != t_ref[i] else "agree"
                        for region, m in face_regions(points, box, source.width, source.height).items():
                            keys = [(region, "backward" if back else "forward")]
                            keys += [("upper", f"types {types}")] if region == "upper" else []
                            for key in keys:
                                acc = sse.setdefault(key, [0.0, 0.0, 0])
                                acc[0] += float(((rendered.planes()[0][m] - y[m]) ** 2).sum())
                                acc[1] += float(((reference.planes()[0][m] - y[m]) ** 2).sum())
                                acc[2] += int(m.sum())
                figures = "; ".join(f"{region} {how} {psnr(e, n) - psnr(f, n):+.2f}"
                                    for (region, how), (e, f, n) in sorted(sse.items()))
                b_p = sum(x == "B" and y == "P" for x, y in zip(t_out, t_ref))
                p_b = sum(x == "P" and y == "B" for x, y in zip(t_out, t_ref))
                print(f"{p} follow_jaw={follow} start {start}: render - re-encode dB: {figures}; frames B in the "
                      f"render, P in the re-encode: {b_p} (the reverse {p_b}) of {r.frames}", flush=True)


def main() -> None:
    import os

    import lipsync
    import lipsync.mouth as mouth
    from pipeline.evaluate import evaluate_sync
    from pipeline.evaluate.correlation import lag_correlation
    from pipeline.evaluate.tracker import DlibFaceTracker

    logging.basicConfig(level=logging.WARNING)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    presenters = args[0] if args else "cab"
    name = args[1] if len(args) > 1 else "tts_en"
    options = {"follow_jaw": "--follow-jaw" in sys.argv}
    media = Path(os.environ.get("POLYDUB_TEST_MEDIA") or MEDIA)
    if "x264" in flags:
        import lipsync.writer
        lipsync.writer.X264_PARAMS += ":" + flags["x264"]  # both encodes go through this writer
    if "--upper" in sys.argv:
        starts = [float(x) for x in flags.get("starts", "0.2,0.26,0.33,0.41").split(",")]
        return upper(presenters, options["follow_jaw"], starts, media)
    s, r, drive = narration(name, media)
    tracker = DlibFaceTracker()
    with tempfile.TemporaryDirectory(prefix="polydub-bench-jaw-") as tmp:
        engine = lipsync.LipSyncEngine(Path(tmp) / "cache")
        for p in presenters:
            video = media / f"presenter_{p}.mp4"
            analysis = engine.analyse(video)
            out = Path(tmp) / f"{p}.mp4"
            t = time.perf_counter()
            res = engine.render(video, s, r, drive, out, renderer="exemplar", renderer_options=options)
            took = time.perf_counter() - t
            rep = evaluate_sync(out, (s, r), source=video, heard_phonemes=drive, tracker=tracker, workdir=tmp)
            track = mouth.mouth_track(drive, res.frames, res.fps, s, r)
            follows = lag_correlation(rep.opening, track.shape[:, 0], 0).at(0)
            jaw = jaw_disagreement(rep.opening, track, analysis)
            print(f"{p} x {name} {options}: {res.frames} frames, {1000 * took / res.frames:.0f} ms/frame; follows r0 "
                  f"{follows:.3f}; |error| {jaw[0]:.2f} where the jaw disagrees, {jaw[1]:.2f} elsewhere "
                  f"(x{jaw[0] / jaw[1]:.2f}); seam {rep.seam_step:.2f} (p90 {rep.seam_step_p90:.2f}); beside the face "
                  f"{rep.side_band_psnr:.1f} dB; upper face {rep.upper_face_psnr:.1f} dB; opening std "
                  f"x{rep.opening_std_ratio:.3f}", flush=True)


if __name__ == "__main__":
    main()
