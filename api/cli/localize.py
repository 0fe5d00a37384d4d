"""`polydub localize`: a script in, a language pack per language out."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.cli.common import print_result
from api.cli.lipsync import add_render_options, renderer_options, toolkit_from
from api.cli.progress import ProgressBars
from pipeline.errors import InputError
from pipeline.localize import Localizer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "localize", help="translate a script, voice it and lip-sync presenters, per language",
        description="Segment and translate a script (plain text or Markdown), voice each language, "
                    "lip-sync every presenter to every voice and write a language pack per language "
                    "(videos, narration, SRT/VTT subtitles, translated script, manifest, zip).")
    p.add_argument("--text", required=True, type=Path, metavar="SCRIPT", help="the script: .txt or .md")
    p.add_argument("--lang", required=True, metavar="TAGS",
                   help="target languages, comma-separated BCP-47 tags (e.g. pt,en)")
    p.add_argument("--presenter", required=True, nargs="+", type=Path, metavar="FILE",
                   help="presenter videos (mp4, mov, mkv, avi, webm) or photos (jpg, png)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the language packs")
    p.add_argument("--source-lang", metavar="TAG", help="the script's language (default: detected, else en)")
    p.add_argument("--voice", action="append", default=[], metavar="LANG=VOICE",
                   help="voice per language, e.g. --voice en=piper:en_US-joe-medium (see `polydub voices`)")
    p.add_argument("--rate", type=float, default=1.0, help="speaking rate, 1.0 = normal")
    add_render_options(p)
    p.set_defaults(func=run)


def parse_languages(text: str) -> list[str]:
    langs = [t.strip() for t in text.split(",") if t.strip()]
    if not langs:
        raise InputError("no target language given; pass --lang, e.g. --lang pt,en")
    return langs


def parse_voices(items: list[str]) -> dict[str, str]:
    voices = {}
    for item in items:
        lang, sep, voice = item.partition("=")
        if not sep or not lang or not voice:
            raise InputError(f"--voice {item!r}: write it as LANG=VOICE, e.g. en=piper:en_US-joe-medium")
        voices[lang.strip()] = voice.strip()
    return voices


def run(args) -> int:
    if not args.text.exists():
        raise InputError(f"{args.text}: no such script file")
    text = args.text.read_text(encoding="utf-8")
    with ProgressBars(enabled=not args.quiet) as bars:
        localizer = Localizer(toolkit_from(args), renderer=args.renderer,
                              renderer_options=renderer_options(args), progress=bars)
        result = localizer.localize(text, parse_languages(args.lang), args.presenter, args.out,
                                    source_language=args.source_lang, voices=parse_voices(args.voice),
                                    rate=args.rate)
    return print_result(result)
