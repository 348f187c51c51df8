"""Text normalisation for theme tagging. Pure Python, no Django.

Why-texts are informal: capitals, missing accents, stretched letters ("lamaaa"),
Indonesian reduplication ("dioper-oper", "macem2"), emoji and HTML. Everything here turns
a comment into plain lowercase ASCII-ish words so that lexicon phrases, written once in
their dictionary form, match whatever the customer typed.
"""

import re
import unicodedata

MAX_CHARS = 5000
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_CLAUSE_PUNCT = re.compile(r"[.,;:!?()\[\]{}\n\"…/]+")
_STRETCH3 = re.compile(r"(.)\1{2,}")
_STRETCH2 = re.compile(r"(.)\1+")
_REDUP_DIGIT = re.compile(r"^([a-z]{2,})2([a-z]*)$")
_HTML_TAG = re.compile(r"</?[a-z][^<>]{0,200}>")


def fold(text: str) -> str:
    """Lowercase and strip accents ("Atención" -> "atencion"); ñ becomes n."""
    text = _HTML_TAG.sub(" ", text[:MAX_CHARS].lower())  # "<b>rude</b>" reads as "rude"
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def clauses(text: str) -> list[str]:
    """Split a folded comment on punctuation; conjunctions are split later, per language."""
    return [part for part in _CLAUSE_PUNCT.split(text) if part.strip()]


def words(clause: str) -> list[str]:
    """Words of a clause; reduplicated forms keep one half ("oper-oper" -> "oper")."""
    out = []
    for raw in _WORD.findall(clause):
        word = raw.replace("'", "")
        if "-" in word:
            parts = [p for p in word.split("-") if p]
            # Indonesian reduplication: dioper-oper, sana-sini stays two words.
            if len(parts) == 2 and parts[0].endswith(parts[1]):
                out.append(parts[0])
                continue
            out.extend(parts)
            continue
        match = _REDUP_DIGIT.match(word)
        if match:
            word = match.group(1) + match.group(2)
        out.append(word)
    return out


def destretch(word: str) -> tuple[str, ...]:
    """Spellings to try for a stretched word: as typed, runs of 3+ cut to 2, all runs to 1."""
    two = _STRETCH3.sub(r"\1\1", word)
    one = _STRETCH2.sub(r"\1", word)
    return tuple(dict.fromkeys((word, two, one)))
