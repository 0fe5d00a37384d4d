"""The command line's progress bars and the log lines written while they are drawn."""

from __future__ import annotations

import logging
import re
import sys

from api.cli.progress import ProgressBars


def test_a_warning_logged_while_a_bar_is_drawn_gets_its_own_line(capsys):
    """A translation check warning was glued to the end of a progress bar's line."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)  # as `logging.basicConfig` in `polydub` puts it
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    try:
        with ProgressBars() as bars:
            bars("Translating into Portuguese", 50, 100)
            logging.getLogger("pipeline.steps").warning("pt-BR: 1 sentence(s) to check")
            bars("Translating into Portuguese", 100, 100)
        logging.getLogger("pipeline.steps").warning("after the bars")
    finally:
        root.removeHandler(handler)
    assert root.handlers.count(handler) == 0
    err = capsys.readouterr().err
    assert "Translating into Portuguese" in err
    assert re.search(r"(^|[\r\n])WARNING pipeline\.steps: pt-BR: 1 sentence\(s\) to check\n", err), repr(err)
    assert err.endswith("WARNING pipeline.steps: after the bars\n")  # the terminal's handler is back


def test_no_log_output_is_added_where_there_was_none(capsys):
    root = logging.getLogger()
    before = list(root.handlers)
    with ProgressBars():
        assert root.handlers == before  # under pytest: its capture handlers only, none on the terminal
    assert root.handlers == before
