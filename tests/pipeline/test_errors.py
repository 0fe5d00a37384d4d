"""`pipeline.errors`: a leaf's error becomes InputError with its message, without importing
the other leaves (a bad script was refused seconds late while `tts` loaded scipy.signal)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.errors import InputError, wrap_leaf_errors


def test_each_leafs_error_becomes_an_input_error_with_its_message():
    from lipsync.errors import LipSyncError
    from translate.errors import TranslationError
    from tts.errors import SpeechError

    for error in (LipSyncError, SpeechError, TranslationError):
        with pytest.raises(InputError, match="^bad input$"):
            with wrap_leaf_errors():
                raise error("bad input")
    with pytest.raises(KeyError):  # not a leaf's error: left as it is
        with wrap_leaf_errors():
            raise KeyError("x")


def test_wrapping_a_translation_error_imports_no_other_leaf():
    code = ("import sys\n"
            "from pipeline.errors import InputError, wrap_leaf_errors\n"
            "from translate.errors import TranslationError\n"
            "try:\n"
            "    with wrap_leaf_errors():\n"
            "        raise TranslationError('line 3 reads as French')\n"
            "except InputError as exc:\n"
            "    print(exc, sorted(m for m in ('tts', 'lipsync', 'scipy.signal') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "line 3 reads as French []"
