"""`polydub lipsync`: one audio, many videos (a narration job of the job graph)."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.cli.jobrun import EXIT_STATUS, add_job_options, run_spec
from pipeline.errors import InputError
from pipeline.jobs.spec import UNDETERMINED, JobSpec


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lipsync", help="re-time presenters' mouths to a narration (one audio, many videos)",
        description="Re-render every presenter so that it speaks the narration. Without a "
                    "transcript the words are recognised (Whisper base) and each word's phonemes "
                    "(espeak-ng) are timed by warping espeak-ng's own reading onto the narration.",
        epilog=EXIT_STATUS)
    p.add_argument("--audio", required=True, type=Path, metavar="NARRATION",
                   help="the narration: wav, mp3, m4a, flac, or a video whose audio track is used")
    p.add_argument("--presenter", required=True, nargs="+", type=Path, metavar="FILE",
                   help="presenter videos (mp4, mov, mkv, avi, webm) or photos (jpg, png)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the results")
    p.add_argument("--transcript", type=Path, metavar="FILE",
                   help="the narration's words as text: skips recognition, the words are aligned to the audio")
    p.add_argument("--language", metavar="TAG", help="the narration's language (BCP-47, e.g. en); detected when left out")
    p.add_argument("--audio-track", type=int, metavar="N", help="which audio stream of the narration file, from 1")
    add_render_options(p)
    add_job_options(p)
    p.set_defaults(func=run)


def add_render_options(p: argparse.ArgumentParser) -> None:
    from pipeline.jobs.spec import renderer_choices

    p.add_argument("--renderer", choices=renderer_choices(), default="auto",
                   help="exemplar: re-uses the presenter's own mouths (video); warp: shapes the mouth "
                        "geometrically (photos, closed-mouth footage); wav2lip: neural, needs --checkpoint; "
                        "auto: chosen per presenter from its analysis (default)")
    p.add_argument("--checkpoint", type=Path, metavar="PATH", help="Wav2Lip checkpoint for --renderer wav2lip")
    p.add_argument("--accept-truncated", action="store_true",
                   help="use a cut-off presenter or audio file as far as it reads (refused by default)")
    p.add_argument("--background", metavar="COLOUR",
                   help="colour behind transparent presenters (PNG, ProRes 4444, WebM alpha), e.g. '#808080'")


def decode_fields(args) -> dict:
    """The spec fields of --accept-truncated and --background."""
    return {"accept_truncated": bool(getattr(args, "accept_truncated", False)),
            "background": getattr(args, "background", None)}


def renderer_options(args) -> dict:
    """Options for the chosen renderer (only Wav2Lip takes any: its checkpoint)."""
    if args.checkpoint is not None:
        if args.renderer != "wav2lip":
            raise InputError("--checkpoint is for --renderer wav2lip; add --renderer wav2lip or drop it")
        if not args.checkpoint.exists():
            raise InputError(f"{args.checkpoint}: no such Wav2Lip checkpoint; check the path")
        return {"checkpoint": str(args.checkpoint.resolve())}
    return {}


def build_spec(args) -> JobSpec:
    """The job these options ask for: the narration under its language, or `und` (detected)."""
    transcript = None
    if args.transcript is not None:
        if not args.transcript.is_file():
            raise InputError(f"{args.transcript}: no such transcript file")
        transcript = args.transcript.read_text(encoding="utf-8")
        if not transcript.strip():
            raise InputError("the transcript is empty; give the words of the narration or leave it out")
    return JobSpec.from_dict({"narrations": {args.language or UNDETERMINED: str(args.audio)},
                              "presenters": [str(p) for p in args.presenter], "transcript": transcript,
                              "audio_track": args.audio_track, "renderer": args.renderer,
                              "renderer_options": renderer_options(args), **decode_fields(args)})


def run(args) -> int:
    return run_spec(args, build_spec(args), args.out, flat=True)
