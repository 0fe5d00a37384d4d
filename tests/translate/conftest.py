"""Fixtures of the translation tests: the bundled Bergamot translator, the tiny MarianMT model
and its CTranslate2 conversion (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.translate import build_tiny_marian


@pytest.fixture(scope="session")
def bergamot():
    """The translator on the bundled Bergamot models (loaded once for the session)."""
    from translate import Translator

    return Translator()


@pytest.fixture()
def one_torch_thread():
    """A 32-wide model gains nothing from threads, and on a busy 2-core machine torch's
    spinning worker threads made each decoder step ~100x slower; restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory) -> Path:
    return build_tiny_marian(tmp_path_factory.mktemp("marian") / "opus-mt-en-de")


@pytest.fixture(scope="session")
def tiny_ct2(tiny_marian, tmp_path_factory) -> Path:
    from translate.backends.ctranslate import convert_marian

    return convert_marian(tiny_marian, tmp_path_factory.mktemp("ct2") / "tiny-en-de-ct2")
