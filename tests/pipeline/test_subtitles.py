"""Subtitle layout (2 lines, 42/16 characters, 1-7 s, 20/9 characters per second, phrase
boundaries, word timing) and SRT/WebVTT writing and reading through pysubs2."""

import pytest

from pipeline.subtitles import Cue, LayoutRules, cues_from_timings, layout_cues, read_subtitles, to_srt, to_vtt

LONG = ("Before you start the machine you must check that the guard is closed, that the emergency stop "
        "button is released, that nobody is standing inside the yellow line, that the oil level in the "
        "sight glass is between the two marks, and that the pressure gauge reads at least four bar, "
        "otherwise call your supervisor immediately.")


def _speak(text, *, per_char=0.06, gap=0.05, start=0.0):
    """Word timings of text read at a steady pace: (start, end, word)."""
    words, t = [], start
    for word in text.split():
        words.append((t, t + per_char * len(word) + 0.1, word))
        t = words[-1][1] + gap
    return words


def _geometry_ok(cue, max_chars=42):
    lines = cue.text.split("\n")
    return len(lines) <= 2 and all(len(line) <= max_chars for line in lines)


def test_one_cue_per_short_sentence_with_its_times():
    cues = cues_from_timings([(0.0, 1.5, "Wear gloves."), (2.0, 3.0, "Start.")])
    assert cues == [Cue(0.0, 1.5, "Wear gloves."), Cue(2.0, 3.0, "Start.")]


def test_a_long_sentence_makes_two_line_cues_split_at_phrase_boundaries():
    words = _speak(LONG)
    layout = layout_cues([(0.0, words[-1][1], LONG)], words, until=words[-1][1] + 2)
    cues = layout.cues
    assert len(cues) >= 4 and all(_geometry_ok(c) for c in cues)
    assert all(1.0 <= c.end - c.start <= 7.0 for c in cues)
    # every cue but the last ends at a comma: the clauses, not the character count, decide
    assert all(c.text.endswith(",") for c in cues[:-1])
    # nothing lost, in order, cues back to back from word times
    assert " ".join(c.text.replace("\n", " ") for c in cues) == LONG
    starts = {w[0] for w in words}
    assert cues[0].start == 0.0 and all(c.start in starts for c in cues[1:])
    assert all(a.end <= b.start + 1e-9 for a, b in zip(cues, cues[1:]))
    assert layout.issues == ()
    # negative control: the old 3-line cue breaks the rules this test checks
    assert not _geometry_ok(Cue(0, 1, "a\nb\nc"))


def test_a_cue_never_lasts_more_than_seven_seconds():
    slow = _speak("Open the valve slowly and carefully now", per_char=0.5)  # ~2-3 s a word
    layout = layout_cues([(0.0, slow[-1][1], "Open the valve slowly and carefully now")], slow)
    assert len(layout.cues) > 1 and all(c.end - c.start <= 7.0 for c in layout.cues)


def test_a_short_cue_is_extended_into_the_following_silence():
    layout = layout_cues([(0.0, 0.4, "Stop."), (3.0, 4.5, "Then open the valve.")], until=6.0)
    assert layout.cues[0] == Cue(0.0, 1.0, "Stop.")
    # with no silence after it, it keeps its time and is reported
    tight = layout_cues([(0.0, 0.4, "Stop."), (0.5, 2.5, "Then open the valve.")], until=6.0)
    assert tight.cues[0].end == 0.5
    assert [(i.cue, i.rule) for i in tight.issues] == [(1, "duration")]


def test_fast_speech_keeps_its_timing_and_is_reported():
    text = "Check the guard, release the stop button and read the gauge now."  # 64 characters
    fast = layout_cues([(0.0, 2.0, text), (2.1, 3.5, "Then start.")], until=4.0)
    first = fast.cues[0]
    assert first.start == 0.0 and first.end <= 2.1  # not pushed into the next sentence
    speed = [i for i in fast.issues if i.rule == "reading-speed"]
    assert speed and speed[0].limit == 20.0 and speed[0].value > 20.0
    assert fast.report()["issues"][0]["rule"] == "reading-speed"
    # negative control: the same words at a readable pace raise nothing
    calm = layout_cues([(0.0, 4.0, text), (5.0, 6.5, "Then start.")], until=8.0)
    assert calm.issues == ()
    # a faster pace that silence can absorb is extended instead of reported
    absorbed = layout_cues([(0.0, 2.5, text), (4.5, 6.0, "Then start.")], until=8.0)
    assert absorbed.issues == () and absorbed.cues[0].end > 2.5


def test_chinese_and_japanese_lines_hold_sixteen_characters():
    chinese = "在启动机器之前，请检查防护罩是否关闭，急停按钮是否松开，并且没有人站在黄线以内。"
    layout = layout_cues([(0.0, 9.0, chinese)], language="zh", until=12.0)
    assert layout.rules == LayoutRules.cjk()
    assert all(_geometry_ok(c, 16) for c in layout.cues) and len(layout.cues) >= 2
    assert "".join(c.text.replace("\n", "") for c in layout.cues) == chinese
    assert all(c.text.replace("\n", "")[-1] in "，。" for c in layout.cues)  # cut after punctuation
    japanese = "機械を始動する前に、ガードが閉じていることと非常停止ボタンが解除されていることを確認してください。"
    ja = layout_cues([(0.0, 10.0, japanese)], until=12.0)  # no language given: the script decides
    assert ja.rules.max_chars == 16 and all(_geometry_ok(c, 16) for c in ja.cues)
    assert "".join(c.text.replace("\n", "") for c in ja.cues) == japanese
    # no Japanese line opens with a particle, small kana or the prolonged sound mark
    assert all(line[0] not in "をはがにでともへのやっゃゅょー" for c in ja.cues for line in c.text.split("\n"))
    # nine characters a second for CJK: 30 characters in 2 s is reported
    fast = layout_cues([(0.0, 2.0, chinese[:30]), (2.1, 3.0, "好。")], language="zh")
    assert any(i.rule == "reading-speed" and i.limit == 9.0 for i in fast.issues)


def test_a_sentence_the_voice_gave_no_time_is_reported_not_dropped_silently():
    layout = layout_cues([(0.0, 1.5, "Wear gloves."), (1.5, 1.5, "ارتدِ القفازات.")])
    assert [c.text for c in layout.cues] == ["Wear gloves."]
    assert [(i.rule, i.text) for i in layout.issues] == [("not-spoken", "ارتدِ القفازات.")]
    assert cues_from_timings([(0.0, 1.0, "  ")]) == []


def test_srt_and_vtt_formats_and_round_trip(tmp_path):
    cues = [Cue(0.0, 1.25, "Olá."), Cue(3661.5, 3662.0, "Fim.")]
    srt = to_srt(cues)
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,250\nOlá.\n")
    assert "2\n01:01:01,500 --> 01:01:02,000\nFim.\n" in srt
    assert to_vtt(cues).startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.250\nOlá.\n")
    words = _speak(LONG)
    written = list(layout_cues([(0.0, words[-1][1], LONG)], words).cues)
    tricky = written + [Cue(40.0, 42.0, "Set {mode} to <2> & save\nin C:\\new\\hold")]
    for fmt, text in (("srt", to_srt(tricky)), ("vtt", to_vtt(tricky))):
        path = tmp_path / f"subtitles.{fmt}"
        path.write_text(text, encoding="utf-8")
        back = read_subtitles(path)
        assert [c.text for c in back] == [c.text for c in tricky], fmt
        assert all(abs(a.start - b.start) < 0.001 and abs(a.end - b.end) < 0.001 for a, b in zip(back, tricky))
    assert "&lt;2&gt; &amp; save" in to_vtt(tricky)


LONG_PT = ("Antes de iniciar a máquina, você deve verificar se o guarda está fechado, que o botão de parada de "
           "emergência é liberado, que ninguém está de pé dentro da linha amarela, que o nível de óleo no vidro de "
           "visão está entre as duas marcas, e que o medidor de pressão lê pelo menos quatro bar, caso contrário, "
           "ligue para o seu supervisor imediatamente.")


def _lines(text):
    """The lines of the one cue a sentence (42 to 84 characters) is laid out as."""
    cues = layout_cues([(0.0, 4.0, text)], until=5.0).cues
    assert len(cues) == 1 and _geometry_ok(cues[0])
    return cues[0].text.split("\n")


@pytest.mark.parametrize("text, top", [
    # 1. after punctuation first
    ("Close the valve slowly, then check the pressure gauge twice.", "Close the valve slowly,"),
    ("Feche a válvula devagar, depois verifique o medidor duas vezes.", "Feche a válvula devagar,"),
    # 2. before a conjunction rather than a preposition, and not after the conjunction
    ("Open the cover on the top of the unit and check the filter now", "Open the cover on the top of the unit"),
    ("Abra a tampa em cima da unidade e depois verifique o filtro com cuidado", "Abra a tampa em cima da unidade"),
    # 3. never after an article, possessive or preposition: the noun phrase stays whole
    ("Otherwise call your supervisor immediately.", "Otherwise call"),
    ("Verifique o nível do óleo no visor da máquina e a pressão da bomba principal",
     "Verifique o nível do óleo no visor"),
    ("Caso contrário ligue para o seu supervisor imediatamente.", "Caso contrário ligue"),
    # 4. not before a "de" that ties a noun phrase ("botão de parada de emergência")
    ("que o botão de parada de emergência é liberado,", "que o botão de parada de emergência"),
])
def test_two_line_cues_break_at_linguistic_units(text, top):
    lines = _lines(text)
    assert lines[0] == top and " ".join(lines) == text


@pytest.mark.parametrize("text", [LONG, LONG_PT])
def test_a_long_sentence_has_no_line_ending_in_an_article_or_preposition_nor_opening_with_de(text):
    from pipeline.subtitle_breaks import INSIDE_PHRASE, word_break_cost

    words = _speak(text)
    cues = layout_cues([(0.0, words[-1][1], text)], words, until=words[-1][1] + 2).cues
    lines = [line for c in cues for line in c.text.split("\n")]
    assert " ".join(lines) == text
    for top, bottom in zip(lines, lines[1:]):
        assert word_break_cost(top.split()[-1], bottom.split()[0]) < INSIDE_PHRASE, (top, bottom)
        assert bottom.split()[0] != "de", (top, bottom)


def test_break_costs_rank_punctuation_conjunction_preposition_space_linking_phrase():
    from pipeline import subtitle_breaks as b

    assert b.word_break_cost("closed,", "that") == b.AFTER_PUNCTUATION
    assert b.word_break_cost("unit", "and") == b.word_break_cost("unidade", "e") == b.BEFORE_CONJUNCTION
    assert b.word_break_cost("top", "of") == b.word_break_cost("tampa", "para") == b.BEFORE_PREPOSITION
    assert b.word_break_cost("valve", "slowly") == b.AT_SPACE
    assert b.word_break_cost("medidor", "de") == b.BEFORE_LINKING
    for before in ("the", "your", "o", "seu", "para", "and", "4"):
        assert b.word_break_cost(before, "x") == b.INSIDE_PHRASE
    assert b.AFTER_PUNCTUATION < b.BEFORE_CONJUNCTION < b.BEFORE_PREPOSITION < b.AT_SPACE < b.BEFORE_LINKING \
        < b.INSIDE_PHRASE
