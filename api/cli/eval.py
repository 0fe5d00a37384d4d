"""`polydub eval sync`: measure how well a video's mouth follows its speech."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="measure lip-sync quality (needs the eval extra)",
                       description="Measure lip-sync quality with a tracker other than the renderer's.")
    groups = p.add_subparsers(dest="eval_command", metavar="WHAT", required=True)
    s = groups.add_parser(
        "sync", help="how well a video's mouth follows its speech",
        description="Track the mouth with dlib's 68-point predictor and correlate its opening with the "
                    "opening the heard words require (recogniser + phonemes) and with the speech "
                    "envelope, each at its lag of best correlation. With --source, also compare with a "
                    "plain re-encode of the source: mouth movement, upper-face PSNR, the band beside the face, seam.")
    s.add_argument("video", type=Path, metavar="VIDEO", help="the video to judge (usually a render)")
    s.add_argument("--audio", type=Path, metavar="A",
                   help="judge against this audio instead of the video's own track (e.g. another narration)")
    s.add_argument("--audio-track", type=int, metavar="N", dest="audio_track",
                   help="use audio track N (1-based, counting audio streams only) of --audio, or of the "
                        "video when --audio is not given; default: the track marked default, else the first")
    s.add_argument("--source", type=Path, metavar="V", help="the presenter video the render was made from")
    s.add_argument("--language", metavar="TAG", help="the speech's language (BCP-47); detected when left out")
    s.add_argument("--max-lag", type=int, default=8, metavar="FRAMES",
                   help="search lags within +/- this many frames (default 8)")
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.set_defaults(func=run_sync)


def run_sync(args) -> int:
    from pipeline.evaluate import evaluate_sync

    report = evaluate_sync(args.video, args.audio, args.source, language=args.language, max_lag=args.max_lag,
                            audio_track=args.audio_track)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def _num(x, fmt: str = "{:.3f}", unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return fmt.format(x) + unit


def format_report(r) -> str:
    from pipeline.evaluate.verdict import heard_excerpt, lag_words, length_note, words_verdict

    words_r, words_lag = r.words.best()
    env_r, env_lag = r.envelope.best()
    near_r, _ = r.words.best(within=2)  # the README's scale is the best within ±2 frames
    note = length_note(r.audio_seconds, r.frames / r.fps if r.fps else 0.0)
    lines = [
        f"verdict:  {words_verdict(near_r)}",
        f"video:    {r.video}  ({r.frames} frames at {r.fps:.3f} fps; tracker {r.tracker})",
        f"audio:    {r.audio}" + (f"  ({r.audio_seconds:.1f} s)" if r.audio_seconds is not None else ""),
        *([f"length:   {note}"] if note else []),
        f"heard:    ({r.language or '?'}) {heard_excerpt(r.heard_text) or '-'}",
        f"no face:  {len(r.frames_without_face)} frame(s)"
        + (f" {list(r.frames_without_face[:10])}" if r.frames_without_face else ""),
        f"words:    r={_num(words_r)} at lag {words_lag:+d} frames: {lag_words(words_lag, r.fps)} "
        f"(r at 0: {_num(r.words.at(0))})",
        f"envelope: r={_num(env_r)} at lag {env_lag:+d} frames: {lag_words(env_lag, r.fps)} "
        f"(r at 0: {_num(r.envelope.at(0))})",
        f"opening:  std {_num(r.opening_std)}; mouth change {_num(r.mouth_change, '{:.2f}')} grey levels/frame",
    ]
    if r.source is not None:
        lines += [
            f"source:   {r.source}  (no face: {len(r.source_frames_without_face or ())} frame(s))",
            f"movement: opening std {_num(r.opening_std_ratio, '{:.2f}')}x source; "
            f"mouth change {_num(r.mouth_change_ratio, '{:.2f}')}x source",
            f"upper face PSNR {_num(r.upper_face_psnr, '{:.1f}', ' dB')}; beside the face "
            f"{_num(r.side_band_psnr, '{:.1f}', ' dB')}; seam step {_num(r.seam_step, '{:.2f}')} "
            f"(p90 {_num(r.seam_step_p90, '{:.2f}')}, 1 = no seam)",
        ]
    return "\n".join(lines)
