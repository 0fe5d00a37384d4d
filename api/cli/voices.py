"""`polydub voices`: the installed voices per language (the default marked)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipeline.voices import installed_voices


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("voices", help="list the installed voices per language",
                       description="List every installed voice per language (Piper, Kokoro, espeak-ng, and "
                                   "Coqui models in the model folder). The default voice of each language is "
                                   "marked with '*'; pass a voice id to a job to choose another.")
    p.add_argument("language", nargs="?", help="only this language (BCP-47, e.g. pt or pt-BR)")
    p.add_argument("--models", type=Path, metavar="DIR",
                   help="model store with extra voices (default: $POLYDUB_MODELS or the user data folder)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args) -> int:
    rows = installed_voices(args.models, args.language)
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=1))
        return 0
    width = max((len(r.language) for r in rows), default=8)
    for r in rows:
        mark = "*" if r.default else " "
        print(f"{r.language:<{width}}  {mark} {r.voice:<32} {r.description}")
    return 0
