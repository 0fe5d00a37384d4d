"""`polydub localize`: a script (or a recorded talk) in, a language pack per language out.

The options build a `JobSpec` (see `pipeline.jobs.spec` for the field each one fills) that runs
through the job graph like a job of the service (`api.cli.jobrun`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.cli.jobrun import EXIT_STATUS, add_job_options, run_spec
from api.cli.lipsync import add_render_options, decode_fields, renderer_options
from pipeline.errors import InputError
from pipeline.jobs.spec import JobSpec


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "localize", help="translate a script, voice it and lip-sync presenters, per language",
        description="Segment and translate a script (plain text or Markdown) or a recorded talk, voice each "
                    "language, lip-sync every presenter to every voice and write a language pack per language "
                    "(videos, narration, SRT/VTT subtitles, translated script, manifest, zip). Work is kept in "
                    "the data folder: the same command again resumes and reuses every finished step.",
        epilog=EXIT_STATUS)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", type=Path, metavar="SCRIPT", help="the script: .txt or .md")
    source.add_argument("--recording", type=Path, metavar="FILE",
                        help="a recorded talk (audio, or a video's sound): transcribed, then translated")
    p.add_argument("--lang", required=True, metavar="TAGS",
                   help="target languages, comma-separated BCP-47 tags (e.g. pt,en)")
    p.add_argument("--presenter", required=True, nargs="+", type=Path, metavar="FILE",
                   help="presenter videos (mp4, mov, mkv, avi, webm) or photos (jpg, png)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the language packs")
    p.add_argument("--source-lang", metavar="TAG",
                   help="the script's language (default: detected line by line); a line that clearly reads as "
                        "another language then stops the job, naming it")
    p.add_argument("--accept-mixed-language", action="store_true",
                   help="with --source-lang: translate script lines that read as another language as the given "
                        "one (noted in the manifest) instead of stopping")
    p.add_argument("--audio-track", type=int, metavar="N", help="with --recording: which audio stream, from 1")
    p.add_argument("--transcript", type=Path, metavar="FILE",
                   help="with --recording: the talk's words as text; no speech recogniser runs, the words are "
                        "aligned to the recording (more reliable on noisy or reverberant recordings)")
    p.add_argument("--voice", action="append", default=[], metavar="[PRESENTER:]LANG=VOICE",
                   help="voice per language, e.g. --voice en=piper:en_US-joe-medium, or per presenter "
                        "(file name or stem), e.g. --voice ana.mp4:pt=kokoro:jf_nezumi or ana:pt=female "
                        "(see `polydub voices`); without it each presenter gets the voice that fits them")
    p.add_argument("--rate", type=float, default=1.0, help="speaking rate, 1.0 = normal (0.5 to 2.0)")
    p.add_argument("--glossary", type=Path, metavar="FILE",
                   help="terms never translated and forced translations: CSV/TSV (term,translation,language) "
                        "or JSON/YAML ({keep: [...], forced: {pt: {term: translation}}})")
    p.add_argument("--translations", type=Path, metavar="FILE",
                   help="translations you already have, used before machine translation for the sentences "
                        "they hold (matched whole, spaces aside): XLIFF 2.x or PO (their languages inside); CSV with "
                        "a header row of the two BCP-47 tags, then a source sentence and its translation per row "
                        "(en,pt-BR), or a header source,target, which then serves every --lang; JSON "
                        "{\"source sentence\": \"translation\"} or {\"source\": \"en\", \"target\": \"pt-BR\", "
                        "\"translations\": {...}}")
    p.add_argument("--review", action="store_true",
                   help="stop after translation; `polydub review JOB --lang L` shows, edits and approves, then the "
                        "same command again goes on")
    add_render_options(p)
    add_job_options(p)
    p.set_defaults(func=run)


def parse_languages(text: str) -> list[str]:
    langs = [t.strip() for t in text.split(",") if t.strip()]
    if not langs:
        raise InputError("no target language given; pass --lang, e.g. --lang pt,en")
    return langs


def parse_voices(items: list[str]) -> dict[str, str | dict[str, str]]:
    """--voice LANG=VOICE and PRESENTER:LANG=VOICE as the spec's `voices` (both forms, mixed)."""
    voices: dict[str, str | dict[str, str]] = {}
    for item in items:
        left, sep, voice = item.partition("=")
        presenter, colon, lang = left.rpartition(":")
        if not sep or not lang.strip() or not voice.strip() or (colon and not presenter.strip()):
            raise InputError(f"--voice {item!r}: write it as LANG=VOICE or PRESENTER:LANG=VOICE, "
                             "e.g. en=piper:en_US-joe-medium or ana.mp4:pt=kokoro:pf_dora")
        if colon:
            table = voices.setdefault(presenter.strip(), {})
            if not isinstance(table, dict):
                raise InputError(f"--voice {item!r}: {presenter.strip()!r} is used as a language too")
            table[lang.strip()] = voice.strip()
        else:
            voices[lang.strip()] = voice.strip()
    return voices


def build_spec(args) -> JobSpec:
    """The job these options ask for."""
    data: dict = {"languages": parse_languages(args.lang), "presenters": [str(p) for p in args.presenter],
                  "source_language": args.source_lang, "voices": parse_voices(args.voice), "rate": args.rate,
                  "review": args.review, "renderer": args.renderer, "renderer_options": renderer_options(args),
                  "audio_track": args.audio_track, "accept_mixed_language": args.accept_mixed_language,
                  **decode_fields(args)}
    if args.text is not None:
        if not args.text.is_file():
            raise InputError(f"{args.text}: no such script file")
        data["text"] = args.text.read_text(encoding="utf-8")
    else:
        data["recording"] = str(_existing(args.recording, "recording"))
    if args.transcript is not None:
        if args.recording is None:
            raise InputError("--transcript gives the words of a --recording; a --text script is its own words")
        data["transcript"] = _existing(args.transcript, "transcript").read_text(encoding="utf-8")
        if not data["transcript"].strip():
            raise InputError(f"{args.transcript}: the transcript is empty; give the words of the recording or "
                             "leave --transcript out")
    if args.glossary is not None:
        data["glossary"] = str(_existing(args.glossary, "glossary"))
    if args.translations is not None:
        data["translations"] = str(_existing(args.translations, "translations"))
    return JobSpec.from_dict(data)


def _existing(path: Path, what: str) -> Path:
    if not path.is_file():
        raise InputError(f"{path}: no such {what} file; check the path")
    return path.resolve()


def run(args) -> int:
    return run_spec(args, build_spec(args), args.out)
