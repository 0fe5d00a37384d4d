"""Where a subtitle line or cue may end in an alphabetic script: the word classes and costs.

The usual subtitle guidelines (the BBC subtitle guidelines, "Line breaks"; Netflix's timed-text
style guide, "Line treatment") break lines at linguistic units: after punctuation first, else
before a conjunction or a preposition, and never between an article, determiner or number
and the noun it goes with, nor after a preposition or conjunction, when another break is
within reach. No kept library does this for these languages without a parser model (spaCy's
need a download), so the classes are short closed lists of function words, which do not
change, in polydub's alphabetic languages (en, pt, es, de, fr, it, nl).

`word_break_cost(before, after)` is the cost of ending a line between two words: the lower,
the better; `pipeline.subtitles` adds how unbalanced the two lines are.
"""

from __future__ import annotations

import re

# The costs, best first. A plain space (3) lies between the preferred points and the ones
# to avoid, so balance (at most 1 more) decides only among breaks of one class.
AFTER_PUNCTUATION = 0
BEFORE_CONJUNCTION = 1
BEFORE_PREPOSITION = 2
AT_SPACE = 3
BEFORE_LINKING = 4   # "o medidor | de pressão": "of"/"de" usually ties a noun phrase together
INSIDE_PHRASE = 6    # after an article, determiner, number, preposition or conjunction

CLAUSE_END = re.compile(r"[.,;:!?…。，、；：！？」』）)\"”»]$")

# Conjunctions and relative words that open a clause.
_CONJUNCTIONS = frozenset("""
and but or so because that which who when while if then unless although
e mas ou que porque quando se enquanto embora caso
y pero porque cuando si mientras aunque
und aber oder dass weil wenn ob während obwohl
et mais parce quand si lorsque pendant bien
ma che perché se quando mentre anche
maar dat omdat als wanneer terwijl
""".split())
# Prepositions that open a phrase (a line may start with one).
_PREPOSITIONS = frozenset("""
to of in on at for with from by into onto about before after until without between during
towards toward through across over under against along around behind near
para com em até antes depois sem sobre entre durante por pelo pela pelos pelas no na nos nas
con en hasta sin desde hacia por
für mit zu bis bevor nachdem ohne über zwischen auf aus bei nach
pour avec jusqu avant après sans sur entre dans chez par
per con fino prima dopo senza tra fra su
voor met tot zonder tussen naar bij uit op
""".split())
# Prepositions that mostly link a noun to the noun before it in the Romance languages and
# German ("pressure gauge" is "medidor de pressão"): a break before one splits a noun phrase more often than not.
# English "of" opens a phrase as often as it links, and stays a plain preposition.
_LINKING = frozenset("de do da dos das del della di du des von vom van".split())
# Articles, determiners and possessives: they belong to the noun after them.
_DETERMINERS = frozenset("""
the a an this these those my your his her its our their each every any some no
o os as um uma uns umas este esta estes estas esse essa esses essas seu sua seus suas meu minha cada
el la los las un una unos unas su sus mi mis
der die das den dem ein eine einen einem einer eines kein keine sein seine ihr ihre
le les une ce cet cette ces son sa ses mon ma mes leur leurs
il lo gli uno suo sua
het een zijn
""".split())
_NO_LINE_END = _CONJUNCTIONS | _PREPOSITIONS | _LINKING | _DETERMINERS
_QUOTES = "\"'(“«‘"


def _word(text: str) -> str:
    return text.lower().strip(_QUOTES)


def word_break_cost(before: str, after: str) -> int:
    """The cost of ending a line (or a cue) between the words `before` and `after` of an
    alphabetic script (see the module's docstring for the order and its sources)."""
    if CLAUSE_END.search(before):
        return AFTER_PUNCTUATION
    if _word(before) in _NO_LINE_END or before[-1:].isdigit():
        return INSIDE_PHRASE
    word = _word(after)
    if word in _CONJUNCTIONS:
        return BEFORE_CONJUNCTION
    if word in _PREPOSITIONS:
        return BEFORE_PREPOSITION
    if word in _LINKING:
        return BEFORE_LINKING
    return AT_SPACE
