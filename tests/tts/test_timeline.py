"""Model sample counts → contract phones (pure function)."""

from tts.phonemes import Clause
from tts.timeline import symbols_for, timeline_from_samples


def test_marks_and_spaces_become_contract_phones():
    clauses = [Clause((("Wait", "wˈeɪt"), ("now", "nˈaʊ")), ","), Clause((("go", "ɡˈoːʊ̃"),), ".")]
    symbols, words = symbols_for(clauses)
    samples = [100] * len(symbols)
    phones, timed = timeline_from_samples(symbols, samples, words, sample_rate=1000)
    names = [p.phone for p in phones]
    assert names == ["w", "e", "ɪ", "t", "n", "a", "ʊ", "ɡ", "o", "ʊ̃"]
    # the stress mark's time goes to the phone after it; the length mark lengthens the one before
    w, e = phones[0], phones[1]
    assert (w.start, w.end) == (0.0, 0.1) and (e.start, e.end) == (0.1, 0.3)
    assert [t.text for t in timed] == ["Wait", "now", "go"]
    # the comma is silence: a gap between "now" and "go"
    assert timed[2].start - timed[1].end >= 0.1
    assert all(a.end <= b.start + 1e-9 for a, b in zip(phones, phones[1:]))
