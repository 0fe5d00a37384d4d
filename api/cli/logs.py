"""`polydub logs [-f]`: the service's log (every line carries its job and task ids)."""

from __future__ import annotations

import argparse
import sys

from api.cli.run import add_service_options, settings_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("logs", help="show (and follow) the service log")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    p.add_argument("-n", "--lines", type=int, default=40, help="how many past lines (default 40)")
    p.add_argument("--job", help="only lines of this job")
    p.add_argument("--service", default="service", help="which log: service (default) or run")
    add_service_options(p, runs_tasks=False)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.jobs.logs import follow, log_path

    path = log_path(settings_from(args).data_dir, args.service)
    if not path.exists() and not args.follow:
        print(f"polydub: no log yet at {path}; start the service with `polydub serve`", file=sys.stderr)
        return 1
    lines = follow(path, lines=args.lines) if args.follow else iter(path.read_text(errors="replace").splitlines()[-args.lines:])
    for line in lines:
        if args.job and f"job={args.job}" not in line:
            continue
        print(line, flush=True)
    return 0
