"""`polydub preview job.yaml`: the first seconds of one presenter in one language, small."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.cli import run as run_command


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("preview", help="a quick low-resolution preview of a job file",
                       description="Render the first seconds of the first presenter in the first language at low "
                                   "resolution, before committing to the whole batch.")
    p.add_argument("job", type=Path, help="the job file (YAML)")
    p.add_argument("--seconds", type=float, default=3.0, help="how many seconds (default 3)")
    p.add_argument("--height", type=int, default=240, help="video height in pixels (default 240)")
    p.add_argument("--out", type=Path, help="copy the preview pack here")
    run_command.add_service_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    args.preview = (args.seconds, args.height)
    return run_command.run(args)
