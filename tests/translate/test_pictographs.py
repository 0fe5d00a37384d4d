import pytest

from translate.pictographs import only_pictographs, removed_pictographs, strip_pictographs


@pytest.mark.parametrize("text,expected", [
    ("Wear your helmet ⛑️ before entering the site! 👷‍♀️ Thanks 🙏.",
     "Wear your helmet before entering the site! Thanks."),          # VS16, ZWJ sequence
    ("🚧 Danger zone", "Danger zone"),
    ("Brazil 🇧🇷 and Scotland 🏴󠁧󠁢󠁳󠁣󠁴󠁿 teams", "Brazil and Scotland teams"),  # flag, tag sequence
    ("Step 1️⃣ then #️⃣ key, *⃣ too", "Step 1 then # key, * too"),        # keycaps read as their character
    ("Good 👍🏽 work ✔ ✓", "Good work"),                               # skin tone, dingbats
    ("Press ☺︎ here", "Press here"),                                   # text presentation selector
    ("FlowMaster™ at 40 °C, © ACME → next", "FlowMaster™ at 40 °C, © ACME → next"),  # text symbols stay
    ("Open the valve.", "Open the valve."),
    ("Line one 🎉\nLine two", "Line one\nLine two"),                    # line breaks kept
])
def test_pictographs_are_removed_and_spaces_tidied(text, expected):
    assert strip_pictographs(text) == expected


def test_only_pictographs():
    assert only_pictographs("🎉 🎉!") and only_pictographs("- 👷‍♀️ 🙏")
    assert not only_pictographs("Thanks 🙏") and not only_pictographs("---") and not only_pictographs("")


def test_removed_pictographs_are_listed_and_keycaps_are_not():
    assert removed_pictographs("Press 1️⃣ then check the 🇧🇷 label 👍🏽 ⛑️") == ("🇧🇷", "👍🏽", "⛑️")
    assert removed_pictographs("Press 1️⃣ or #️⃣, FlowMaster™") == ()
    assert removed_pictographs("Open the valve.") == ()
