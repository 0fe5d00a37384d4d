"""`polydub review JOB [LANG] [--edit ID=TEXT ...] [--approve]`: the review gate from the shell."""

from __future__ import annotations

import argparse
import sys

from api.cli.run import add_service_options, open_service
from pipeline.errors import InputError
from pipeline.jobs.keys import TaskKey
from pipeline.jobs.progress import task_label
from pipeline.segments import flag_words, flagged_sentences, to_check


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="show, edit and approve a job's translations",
                       description="Without LANG: the review state of each language. With LANG: its sentences "
                                   "(id, source, translation); --edit changes sentences, --approve lets the job go on.")
    p.add_argument("job", help="job id")
    p.add_argument("language", nargs="?", help="language to show, edit or approve")
    p.add_argument("--lang", dest="lang", metavar="TAG", help="the same as LANG")
    p.add_argument("--edit", action="append", default=[], metavar="ID=TEXT", help="replace a sentence's translation")
    p.add_argument("--approve", action="store_true", help="approve the language")
    p.add_argument("--by", default="cli", help="who approves (recorded)")
    add_service_options(p, runs_tasks=False)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = open_service(args, with_executor=False)
    args.language = args.language or args.lang
    if not args.language:
        for r in service.snapshot(args.job)["reviews"]:
            state = f"approved by {r['approved_by']}" if r["approved"] else "waiting"
            print(f"{r['language']}: {state}{' (edited)' if r['edited'] else ''}")
        return 0
    edits = {}
    for item in args.edit:
        sid, sep, text = item.partition("=")
        if not sep:
            raise InputError(f"--edit {item!r}: write ID=new text, e.g. --edit s3='Limpe o bico.'")
        edits[sid.strip()] = text
    if edits:
        redo = service.edit(args.job, args.language, edits)
        names = service.snapshot(args.job)["presenters"]
        said = ", ".join(task_label(TaskKey.parse(name), names) for name in redo) or "nothing"
        print(f"saved; to redo: {said}" + (": run the job's command again (a job waiting for review goes on "
                                           "after --approve)" if redo else ""), file=sys.stderr)
    if args.approve:
        service.approve(args.job, args.language, args.by)
        print(f"{args.language} approved", file=sys.stderr)
    if not edits and not args.approve:
        rev = service.review(args.job, args.language)
        for s in rev["sentences"]:
            print(f"{s['id']}\t{s['source']}\n\t{s['text']}")
            for flag in to_check(s.get("flags") or ()):  # what the translation asks a person to check
                print(f"\tcheck: {flag_words(flag)} ({flag})")
        flagged = flagged_sentences(rev["sentences"])
        if flagged:
            print(f"{len(flagged)} sentence(s) to check ({', '.join(s['id'] for s in flagged)}): correct one with "
                  f"--edit ID=TEXT, or fix the script or the glossary", file=sys.stderr)
    return 0
