"""`polydub voices`: the installed voices per language (the default marked); `polydub voices warm`
makes every voice's sample ahead of the first job (`pipeline.voicing_samples.warm_samples`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.errors import JobError
from pipeline.voices import installed_voices

#: the first word that makes `polydub voices` warm the samples (never a language tag: BCP-47
#: keeps four-letter primary subtags unassigned)
WARM = "warm"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("voices", help="list the installed voices per language; `voices warm` prepares their samples",
                       description="List every installed voice per language (Piper, Kokoro, espeak-ng, and "
                                   "Coqui models in the model folder). The default voice of each language is "
                                   "marked with '*'; pass a voice id to a job to choose another. "
                                   "`polydub voices warm [LANGUAGE ...]` makes the sample of every voice a job may "
                                   "choose (each voice's profile, for choosing the voice closest to a presenter, "
                                   "and what the page plays), once per data folder, so the first job does not "
                                   "wait for them; `polydub serve` does it in the background at start-up.")
    p.add_argument("language", nargs="*", metavar="LANGUAGE",
                   help="only this language (BCP-47, e.g. pt or pt-BR); after `warm`, the languages to prepare "
                        "(default: every language with a sample text: en, pt, es, it, de, fr)")
    p.add_argument("--models", type=Path, metavar="DIR",
                   help="model store with extra voices (default: $POLYDUB_MODELS or the user data folder)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="with warm: the data folder whose jobs will use the samples (default: the user data "
                        "folder, or POLYDUB_DATA_DIR)")
    p.set_defaults(func=run)


def run(args) -> int:
    words = list(args.language)
    if words and words[0] == WARM:
        return warm(args, words[1:])
    if len(words) > 1:
        raise JobError(f"give one language to list ({' '.join(words)} given), or `polydub voices warm "
                       f"{' '.join(words)}` to prepare the samples of several")
    rows = installed_voices(args.models, words[0] if words else None)
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=1))
        return 0
    width = max((len(r.language) for r in rows), default=8)
    for r in rows:
        mark = "*" if r.default else " "
        print(f"{r.language:<{width}}  {mark} {r.voice:<32} {r.description}")
    return 0


def warm(args, languages: list[str]) -> int:
    """Make and profile every candidate voice's sample of `languages` in the data folder the
    jobs use, with a progress bar; exit 0, or 1 when a sample failed (each named)."""
    from api.cli.jobrun import load_settings
    from api.cli.progress import ProgressBars
    from pipeline.jobs.capabilities import normalize_tag
    from pipeline.jobs.wiring import open_service
    from pipeline.voicing_samples import warm_samples

    if args.models is not None:
        raise JobError("polydub voices warm prepares the voices jobs use, from the model store in $POLYDUB_MODELS "
                       "(or the user data folder); set POLYDUB_MODELS instead of --models")
    settings = load_settings(**({"data_dir": args.data_dir} if args.data_dir is not None else {}))
    service = open_service(settings.service_config(), with_executor=False)
    what = "Voice samples"
    with ProgressBars(enabled=not getattr(args, "quiet", False)) as bars:
        report = warm_samples(service.voices, [normalize_tag(t) for t in languages] or None,
                              progress=lambda done, total, _: bars(what, done, total))
        bars.finish(what)
    for language in report.skipped:
        print(f"{language}: no sample text (samples exist in en, pt, es, it, de and fr); its voices are chosen by "
              "register and measured word error rate", file=sys.stderr)
    for line in report.failed:
        print(f"polydub: error: voice sample {line}", file=sys.stderr)
    print(f"{report.made} voice sample(s) ready in {service.data_dir / 'voices' / 'samples'} "
          f"({report.seconds:.1f} s)", file=sys.stderr)
    return 1 if report.failed else 0
