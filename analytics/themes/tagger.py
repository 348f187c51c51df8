"""Find the themes of a why-text: which of the taxonomy a comment is about, and whether
the customer praised (+) or complained (-) about each. Pure Python, no Django.

How it works, per comment (about 0.1 ms):
1. Language: the comment's own words decide (stopwords and slang per language), not the
   survey's; the survey language only breaks ties. Mixed comments run every language
   that has real evidence.
2. Words: folded (lowercase, no accents), stretched letters undone, slang and
   abbreviations expanded ("gak" -> "tidak", "bgt" -> "banget"), one-letter typos of
   lexicon words corrected, then stemmed with Snowball (english, indonesian, spanish).
3. Phrases: each theme has phrases per language (lexicons/<lang>.json, plus what admins
   add). A phrase matches when its stems appear in order in one clause, with at most
   MAX_GAP other words between them.
4. Polarity: a phrase carries "+", "-" or "0". A negation shortly before it flips it
   ("not rude" -> attitude +, "not solved" -> resolution -). A "0" phrase ("refund")
   takes the clause's sentiment ("refund came quickly" -> +), a complaint by default.
5. At most MAX_THEMES themes, ranked by evidence (the matched words).
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import snowballstemmer

from analytics.themes.normalise import clauses, destretch, fold, words

LANGUAGES = ("en", "id", "es")
STEMMERS = {"en": "english", "id": "indonesian", "es": "spanish"}
LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
MAX_GAP = 2
NEGATION_WINDOW = 3
MAX_THEMES = 3
PRAISE, COMPLAINT, NEUTRAL = "+", "-", "0"
BLOCK = "x"  # a phrase that only hides its words from shorter phrases of its theme
WEAK = "~"  # a leading mark: the phrase counts only when no other theme is in its clause
CLASS = "@"  # a phrase word like "@person" matches any word of that class
_BREAK = ("", "|")  # a clause boundary inside the token stream
_TYPO_MIN = 7


@dataclass(frozen=True)
class ThemeHit:
    key: str
    polarity: str
    evidence: float


@dataclass(frozen=True)
class Phrase:
    stems: tuple[str, ...]
    theme: str
    polarity: str
    weak: bool = False

    @property
    def required(self) -> frozenset[str]:
        return frozenset(stem for stem in self.stems[1:] if not stem.startswith(CLASS))


@dataclass
class Language:
    """One language's lexicon, compiled: slang, stopwords, negators, sentiment, phrases."""

    code: str
    slang: dict[str, str]
    stopwords: frozenset[str]
    negators: frozenset[str]
    breaks: frozenset[str]
    markers: frozenset[str]
    nostem: frozenset[str] = frozenset()
    positive: frozenset[str] = frozenset()
    negative: frozenset[str] = frozenset()
    phrases: dict[str, list[tuple[Phrase, frozenset[str]]]] = field(default_factory=dict)
    classes: dict[str, frozenset[str]] = field(default_factory=dict)
    _stemmer: object = None
    _vocab: set[str] = field(default_factory=set)
    _surface: set[str] = field(default_factory=set)
    _deletions: dict[str, set[str]] = field(default_factory=dict)
    _cache: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer(STEMMERS[self.code])

    def stem(self, word: str) -> str:
        return word if word in self.nostem else self._stemmer.stemWord(word)

    def _expand(self, word: str) -> list[str]:
        return self.slang.get(word, word).split()

    def _known(self, expanded: list[str]) -> bool:
        return all(
            w in self.stopwords or w in self.negators or w in self.breaks or self.stem(w) in self._vocab
            for w in expanded
        )

    def _correct(self, word: str) -> str | None:
        if len(word) < _TYPO_MIN or not word.isalpha():
            return None
        # A letter missing or doubled inside the word; the first letter is taken as typed.
        longer = [w for w in self._deletions.get(word, ()) if w[0] == word[0]]
        if longer:
            return min(longer)
        for i in range(1, len(word)):
            shorter = word[:i] + word[i + 1 :]
            if shorter in self._surface:
                return shorter
        return None

    def tokens(self, word: str) -> tuple[tuple[str, str], ...]:
        """(surface, stem) pairs for one typed word; stopwords vanish, clause breaks mark."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        variants = destretch(word)
        chosen = None
        for variant in variants:
            expanded = self._expand(variant)
            if self._known(expanded):
                chosen = expanded
                break
        if chosen is None:
            fixed = self._correct(variants[0]) or self._correct(variants[-1])
            chosen = [fixed] if fixed else self._expand(variants[0])
        out = []
        for w in chosen:
            if w in self.breaks:
                out.append(_BREAK)
            elif w in self.negators:
                out.append((w, w))
            elif w not in self.stopwords:
                out.append((w, self.stem(w)))
        result = tuple(out)
        if len(self._cache) < 200_000:
            self._cache[word] = result
        return result

    def add_class(self, name: str, members: Iterable[str]) -> None:
        stems = frozenset(self.stem(w) for m in members for w in self._expand(fold(m)))
        self._vocab.update(stems)
        self.classes[CLASS + name] = stems

    def add_phrase(self, text: str, theme: str, polarity: str) -> None:
        weak = text.startswith(WEAK)
        stems = []
        for word in fold(text.lstrip(WEAK)).split():
            if word.startswith(CLASS):
                stems.append(word)
                continue
            for _surface, stem in self._phrase_tokens(word):
                stems.append(stem)
        if not stems:
            return
        phrase = Phrase(tuple(stems), theme, polarity, weak)
        firsts = self.classes.get(stems[0], (stems[0],))
        for first in firsts:
            bucket = self.phrases.setdefault(first, [])
            if all(phrase != known for known, _required in bucket):
                bucket.append((phrase, phrase.required))
                bucket.sort(key=lambda entry: -len(entry[0].stems))
        self._cache.clear()

    def _phrase_tokens(self, word: str) -> list[tuple[str, str]]:
        out = []
        for w in (x for part in words(word) for x in self._expand(part)):
            if w in self.negators:
                out.append((w, w))
            elif w not in self.stopwords and w not in self.breaks:
                stem = self.stem(w)
                self._vocab.add(stem)
                if len(w) >= _TYPO_MIN and w.isalpha() and w not in self._surface:
                    self._surface.add(w)
                    for i in range(len(w)):
                        self._deletions.setdefault(w[:i] + w[i + 1 :], set()).add(w)
                out.append((w, stem))
        return out

    def add_sentiment(self, words_: Iterable[str], *, positive: bool) -> None:
        stems = {self.stem(w) for w in words_}
        self._vocab.update(stems)
        if positive:
            self.positive = self.positive | stems
        else:
            self.negative = self.negative | stems


def load_language(code: str, directory: Path = LEXICON_DIR) -> Language:
    data = json.loads((directory / f"{code}.json").read_text(encoding="utf-8"))
    lang = Language(
        code=code,
        slang={fold(k): fold(v) for k, v in data.get("slang", {}).items()},
        stopwords=frozenset(fold(w) for w in data.get("stopwords", [])),
        negators=frozenset(fold(w) for w in data.get("negators", [])),
        breaks=frozenset(fold(w) for w in data.get("breaks", [])),
        markers=frozenset(fold(w) for w in data.get("markers", [])),
        nostem=frozenset(fold(w) for w in data.get("nostem", [])),
    )
    for name, members in data.get("classes", {}).items():
        lang.add_class(name, members)
    lang.add_sentiment(data.get("positive", []), positive=True)
    lang.add_sentiment(data.get("negative", []), positive=False)
    for theme, by_polarity in data.get("themes", {}).items():
        for polarity, phrases in by_polarity.items():
            for phrase in phrases:
                lang.add_phrase(phrase, theme, polarity)
    return lang


class Tagger:
    """Tags comments with themes. Build once per process (see `default_tagger`)."""

    def __init__(self, languages: Mapping[str, Language]) -> None:
        self.languages = dict(languages)
        owners: dict[str, int] = {}
        for lang in self.languages.values():
            for w in lang.markers | lang.stopwords:
                owners[w] = owners.get(w, 0) + 1
        # A word used by several languages ("no", "a") is weak evidence for each of them.
        codes = list(self.languages)
        self._markers: dict[str, list[tuple[str, float]]] = {}
        for code in codes:
            lang = self.languages[code]
            for w in lang.markers | lang.stopwords:
                self._markers.setdefault(w, [])
                self._markers[w].append((code, 1.0 / owners[w]))

    def add_phrases(self, theme: str, phrases: Mapping[str, Iterable[str]]) -> None:
        """Admin phrases for a theme, per language; they take the clause's polarity."""
        for code, items in phrases.items():
            if code in self.languages:
                for phrase in items:
                    if phrase.strip():
                        self.languages[code].add_phrase(phrase, theme, NEUTRAL)

    def detect(self, folded_words: list[str], hint: str | None = None) -> list[str]:
        """Languages of a comment, best first: those with at least half the best evidence."""
        scores = dict.fromkeys(self.languages, 0.0)
        for w in folded_words:
            for code, weight in self._markers.get(w, ()):
                scores[code] += weight
        best = max(scores.values(), default=0.0)
        if best < 1.0:
            ordered = [hint] if hint in self.languages else []
            return ordered + [c for c in self.languages if c not in ordered]
        ranked = sorted(scores, key=lambda c: (-scores[c], c != hint))
        return [c for c in ranked if scores[c] >= max(1.0, best / 2) or c == ranked[0]]

    def tag(self, text: str, language: str | None = None) -> list[ThemeHit]:
        """The comment's themes (0 to MAX_THEMES), strongest first."""
        folded = fold(text or "")
        parts = [words(c) for c in clauses(folded)]
        flat = [w for part in parts for w in part]
        if not flat:
            return []
        totals: dict[str, list[float]] = {}
        detected = self.detect(flat, language)
        for code in detected:
            self._tag_language(self.languages[code], parts, totals)
        if not totals:
            # Too few words to be sure of the language: let the others have a look.
            for code in self.languages:
                if code not in detected:
                    self._tag_language(self.languages[code], parts, totals)
        hits = [
            ThemeHit(key, PRAISE if score > 0 else COMPLAINT, evidence) for key, (evidence, score) in totals.items()
        ]
        hits.sort(key=lambda h: (-h.evidence, h.key))
        return hits[:MAX_THEMES]

    def _tag_language(self, lang: Language, parts: list[list[str]], totals: dict[str, list[float]]) -> None:
        for part in parts:
            clause: list[tuple[str, str]] = []
            for word in part:
                clause.extend(lang.tokens(word))
            for segment in _split(clause):
                for phrase, polarity, weight in _matches(lang, segment):
                    entry = totals.setdefault(phrase.theme, [0.0, 0.0])
                    entry[0] += weight
                    entry[1] += weight if polarity == PRAISE else -weight


def _split(tokens: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    segments, current = [], []
    for token in tokens:
        if token == _BREAK:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(token)
    if current:
        segments.append(current)
    return segments


def _match_at(lang: Language, stems: list[str], start: int, phrase: Phrase) -> list[int] | None:
    positions = [start]
    at = start
    for want in phrase.stems[1:]:
        members = lang.classes.get(want) if want.startswith(CLASS) else None
        for j in range(at + 1, min(at + 2 + MAX_GAP, len(stems))):
            if stems[j] == want or (members is not None and stems[j] in members):
                at = j
                positions.append(j)
                break
        else:
            return None
    return positions


def _negated(lang: Language, segment: list[tuple[str, str]], positions: list[int], starts: list[int]) -> bool:
    """A negator shortly before the phrase (with no other phrase in between) or inside it."""
    start, end = positions[0], positions[-1]
    inside = set(positions)
    if any(segment[i][0] in lang.negators for i in positions):
        return False  # the phrase carries its own negation ("no solution", "never called")
    for j in range(max(0, start - NEGATION_WINDOW), end):
        if j in inside or segment[j][0] not in lang.negators:
            continue
        if j > start or not any(j < other < start for other in starts):
            return True
    return False


def _sentiment(lang: Language, segment: list[tuple[str, str]], skip: set[int]) -> int:
    """Praise minus complaint words in a clause; a negator right before one flips it."""
    score = 0
    for i, (_surface, stem) in enumerate(segment):
        if i in skip:
            continue
        value = 1 if stem in lang.positive else -1 if stem in lang.negative else 0
        if value and i > 0 and segment[i - 1][0] in lang.negators:
            value = -value
        score += value
    return score


def _matches(lang: Language, segment: list[tuple[str, str]]) -> list[tuple[Phrase, str, float]]:
    stems = [stem for _surface, stem in segment]
    present = set(stems)
    found: list[tuple[Phrase, list[int]]] = []
    for i, stem in enumerate(stems):
        for phrase, required in lang.phrases.get(stem, ()):
            if not required <= present:
                continue
            positions = _match_at(lang, stems, i, phrase)
            if positions is not None:
                found.append((phrase, positions))
    found.sort(key=lambda f: -len(f[1]))
    taken: dict[str, set[int]] = {}
    kept: list[tuple[Phrase, list[int]]] = []
    for phrase, positions in found:
        used = taken.setdefault(phrase.theme, set())
        if used.intersection(positions):
            continue
        used.update(positions)
        if phrase.polarity != BLOCK:
            kept.append((phrase, positions))
    starts = [positions[0] for _phrase, positions in kept]
    out = []
    for phrase, positions in kept:
        if phrase.polarity == NEUTRAL:
            mood = _sentiment(lang, segment, set(positions))
            polarity = PRAISE if mood > 0 else COMPLAINT
        else:
            polarity = phrase.polarity
            if _negated(lang, segment, positions, starts):
                polarity = COMPLAINT if polarity == PRAISE else PRAISE
        out.append((phrase, polarity, float(len(positions))))
    strong = {phrase.theme for phrase, _p, _w in out if not phrase.weak}
    return [m for m in out if not m[0].weak or not (strong - {m[0].theme})]


@cache
def default_tagger() -> Tagger:
    """The shipped lexicons, compiled once per process (admin phrases are added on top)."""
    return Tagger({code: load_language(code) for code in LANGUAGES})


def fresh_tagger() -> Tagger:
    return Tagger({code: load_language(code) for code in LANGUAGES})
