"""The `polydub` command line: `main(argv=None)` parses, calls pipeline, and turns domain
errors into one line on stderr with a non-zero exit."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from pipeline import PipelineError, __version__

# One module per command group; each exposes `register(subparsers)` and sets `func` on its
# parser(s). `func(args) -> int` returns the exit code.
COMMANDS = (
    "api.cli.demo",
    "api.cli.lipsync",
    "api.cli.localize",
    "api.cli.eval",
    "api.cli.voices",
    "api.cli.serve",
    "api.cli.run",
    "api.cli.preview",
    "api.cli.review",
    "api.cli.logs",
    "api.cli.gc",
    "api.cli.models",
)

log = logging.getLogger("polydub")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polydub",
        description="Localize presenter videos offline: translate a script, voice it, lip-sync "
                    "every presenter video to every voice, and export language packs.",
    )
    parser.add_argument("--version", action="version", version=f"polydub {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # MediaPipe's native logging writes setup chatter to stderr; keep errors only.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        # localize, lipsync and demo keep every finished step in the data folder (`resumes`)
        again = "; run the same command again to resume (finished steps are kept)"
        print(f"polydub: interrupted{again if getattr(args, 'resumes', False) else ''}", file=sys.stderr)
        return 130
    except (PipelineError, OSError) as exc:
        if args.verbose:
            log.exception("failed")
        print(f"polydub: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
