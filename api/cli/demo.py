"""`polydub demo`: the built-in script localized into English and Portuguese on the
built-in presenter; needs no file from the user. Runs as a job of the job graph."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.cli.jobrun import add_job_options, run_spec
from pipeline.jobs.spec import JobSpec, renderer_choices


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="localize the built-in script on the built-in presenter (no files needed)",
                       description="Localize a short built-in SOP into English and Portuguese on a built-in "
                                   "presenter (a public-domain NASA photo with idle motion) and print where "
                                   "the language packs are.")
    p.add_argument("--out", type=Path, default=Path("polydub-out/demo"), metavar="DIR",
                   help="folder for the language packs (default: polydub-out/demo)")
    p.add_argument("--seconds", type=float, default=4.0, help="length of the presenter's idle footage")
    p.add_argument("--renderer", default="auto", choices=renderer_choices(),
                   help="lip-sync renderer (default: chosen from the presenter's analysis)")
    add_job_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    # imported here: the demo presenter's maker pulls the lip-sync engine (~0.4 s), which every
    # other command (and a bad input's refusal) would otherwise pay at start-up
    from pipeline.demo import DEMO_LANGUAGES, DEMO_SCRIPT, demo_voices, make_demo_presenter

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "script.md").write_text(DEMO_SCRIPT, encoding="utf-8")
    presenter = make_demo_presenter(out / "presenter-astronaut.mp4", seconds=args.seconds)
    spec = JobSpec.from_dict({"text": DEMO_SCRIPT, "languages": list(DEMO_LANGUAGES), "source_language": "en",
                              "presenters": [str(presenter.resolve())], "renderer": args.renderer,
                              "voices": demo_voices(presenter), "name": "polydub demo"})
    status = run_spec(args, spec, out)
    print(f"language packs: {out.resolve()}")
    return status
