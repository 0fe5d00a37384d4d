"""Does the render follow its mouth track where the source's jaw disagrees (issue 18, item 4)?

    PYTHONPATH=. .venv/bin/python bench/bench_jaw.py [PRESENTERS=cab] [NARRATION=tts_en|tts_pt|narration_en] [--follow-jaw]

Per presenter (exemplar renderer): "follows r0", the render's tracked opening (dlib) against
its mouth track at lag 0 (bench_quality's figure); the mean |z error| on the quarter of frames
where the source's own opening disagrees most with the track and on the rest
(`bench_quality.jaw_disagreement`); seam step, side band and upper face against a plain
re-encode; the opening spread against the source; wall time per frame (machine load shows).
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


def main() -> None:
    import os

    import lipsync
    import lipsync.mouth as mouth
    from pipeline.evaluate import evaluate_sync
    from pipeline.evaluate.correlation import lag_correlation
    from pipeline.evaluate.tracker import DlibFaceTracker

    logging.basicConfig(level=logging.WARNING)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    presenters = args[0] if args else "cab"
    name = args[1] if len(args) > 1 else "tts_en"
    options = {"follow_jaw": "--follow-jaw" in sys.argv}
    media = Path(os.environ.get("POLYDUB_TEST_MEDIA") or MEDIA)
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
