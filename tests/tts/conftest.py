"""Shared, expensive speech fixtures: one Synthesizer (models load once) for the whole session."""

import pytest


@pytest.fixture(scope="session")
def synth():
    import tts

    return tts.Synthesizer()


@pytest.fixture(scope="session")
def english(synth):
    """Piper (the bundled voice): two sentences, the second opening a paragraph."""
    return synth.synthesize(["Switch off the machine.", "Wait five minutes."], "en", paragraph_breaks=[1])


@pytest.fixture(scope="session")
def portuguese(synth):
    """Kokoro fed espeak-ng IPA."""
    return synth.synthesize(["Desligue a máquina e espere cinco minutos."], "pt")


@pytest.fixture(scope="session")
def german(synth):
    """espeak-ng."""
    return synth.synthesize(["Schalten Sie die Maschine aus.", "Warten Sie 5 Minuten."], "de", voice="espeak:de")
