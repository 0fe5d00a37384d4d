"""`polydub gc`: delete jobs past the retention period and artifacts no kept job uses."""

from __future__ import annotations

import argparse

from api.cli.run import add_service_options, open_service


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gc", help="free disk: old jobs and unused artifacts",
                       description="Delete finished jobs older than the retention setting (POLYDUB_RETENTION_DAYS) "
                                   "and every artifact no remaining job or presenter uses.")
    p.add_argument("--dry-run", action="store_true", help="only say what would go")
    add_service_options(p, runs_tasks=False)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = open_service(args, with_executor=False)
    out = service.gc(dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} {out['jobs']} job(s) and {out['artifacts']} artifact(s), {out['bytes'] / 1e6:.1f} MB; "
          f"{service.free_bytes() / 1e9:.1f} GB free")
    return 0
