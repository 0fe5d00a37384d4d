"""`polydub lipsync`: one audio, many videos."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.cli.common import print_result
from api.cli.progress import ProgressBars
from pipeline.errors import InputError
from pipeline.localize import Localizer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lipsync", help="re-time presenters' mouths to a narration (one audio, many videos)",
        description="Re-render every presenter so that it speaks the narration. Without a "
                    "transcript the words are recognised (Whisper base) and each word's phonemes "
                    "(espeak-ng) are timed by warping espeak-ng's own reading onto the narration.")
    p.add_argument("--audio", required=True, type=Path, metavar="NARRATION",
                   help="the narration: wav, mp3, m4a, flac, or a video whose audio track is used")
    p.add_argument("--presenter", required=True, nargs="+", type=Path, metavar="FILE",
                   help="presenter videos (mp4, mov, mkv, avi, webm) or photos (jpg, png)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the results")
    p.add_argument("--transcript", type=Path, metavar="FILE",
                   help="the narration's words as text: skips recognition, the words are aligned to the audio")
    p.add_argument("--language", metavar="TAG", help="the narration's language (BCP-47, e.g. en); detected when left out")
    add_render_options(p)
    p.set_defaults(func=run)


def add_render_options(p: argparse.ArgumentParser) -> None:
    from pipeline.jobs.spec import renderer_choices

    p.add_argument("--renderer", choices=renderer_choices(), default="auto",
                   help="exemplar: re-uses the presenter's own mouths (video); warp: shapes the mouth "
                        "geometrically (photos, closed-mouth footage); wav2lip: neural, needs --checkpoint; "
                        "auto: chosen per presenter from its analysis (default)")
    p.add_argument("--checkpoint", type=Path, metavar="PATH", help="Wav2Lip checkpoint for --renderer wav2lip")
    p.add_argument("--models", type=Path, metavar="DIR", help="model folder (default: $POLYDUB_MODELS or the user data folder)")


def renderer_options(args) -> dict:
    """Options for the chosen renderer (only Wav2Lip takes any: its checkpoint)."""
    if args.checkpoint is not None:
        if args.renderer != "wav2lip":
            raise InputError("--checkpoint is for --renderer wav2lip; add --renderer wav2lip or drop it")
        return {"checkpoint": args.checkpoint}
    return {}


def toolkit_from(args):
    from pipeline.models import ModelStore
    from pipeline.steps import Toolkit

    return Toolkit(store=ModelStore(args.models) if args.models else None)


def run(args) -> int:
    transcript = None
    if args.transcript is not None:
        if not args.transcript.exists():
            raise InputError(f"{args.transcript}: no such transcript file")
        transcript = args.transcript.read_text(encoding="utf-8")
    with ProgressBars(enabled=not args.quiet) as bars:
        localizer = Localizer(toolkit_from(args), renderer=args.renderer,
                              renderer_options=renderer_options(args), progress=bars)
        result = localizer.lipsync(args.audio, args.presenter, args.out, transcript=transcript,
                                   language=args.language)
    return print_result(result)
