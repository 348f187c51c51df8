"""Emerging topics: comments that match no theme, clustered per language so that admins
see what customers talk about that the taxonomy misses. Pure Python, no Django.

Each comment becomes a TF-IDF vector over its stemmed words (the tagger's own pipeline:
folding, slang, stopwords, Snowball), L2-normalised; k-means (k-means++ start, fixed seed,
cosine similarity) groups them. A topic is shown with its most weighted words (the most
common spelling of each stem) and the comments closest to its centre.
"""

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from analytics.themes.normalise import clauses, fold, words
from analytics.themes.tagger import Tagger

MIN_TOPIC = 3
MAX_K = 8
ITERATIONS = 15


@dataclass(frozen=True)
class Topic:
    language: str
    words: list[str]
    size: int
    examples: list[int]  # comment ids, closest to the centre first


def _vector(tagger: Tagger, language: str, text: str, surfaces: dict[str, Counter]) -> Counter:
    lang = tagger.languages[language]
    counts: Counter = Counter()
    for clause in clauses(fold(text)):
        for word in words(clause):
            for surface, stem in lang.tokens(word):
                if not surface or surface in lang.negators or len(stem) < 3 or stem.isdigit():
                    continue
                counts[stem] += 1
                surfaces.setdefault(stem, Counter())[surface] += 1
    return counts


def _normalise(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def cluster(
    tagger: Tagger, comments: Sequence[tuple[int, str, str]], *, max_k: int = MAX_K, seed: int = 11
) -> list[Topic]:
    """Topics among (id, text, language) comments, per language, biggest first."""
    topics: list[Topic] = []
    for language in tagger.languages:
        mine = [(pk, text) for pk, text, lang in comments if lang == language]
        topics.extend(_cluster_language(tagger, language, mine, max_k=max_k, seed=seed))
    topics.sort(key=lambda t: -t.size)
    return topics


def _cluster_language(tagger: Tagger, language: str, comments, *, max_k: int, seed: int) -> list[Topic]:
    surfaces: dict[str, Counter] = {}
    raw = [(pk, _vector(tagger, language, text, surfaces)) for pk, text in comments]
    raw = [(pk, v) for pk, v in raw if v]
    if len(raw) < MIN_TOPIC * 2:
        return []
    df = Counter(stem for _pk, v in raw for stem in v)
    n = len(raw)
    # A word in one comment only says nothing about a group (smoothed idf: common words weigh less).
    idf = {stem: math.log(1 + n / d) for stem, d in df.items() if d >= 2}
    docs = [(pk, _normalise({s: c * idf[s] for s, c in v.items() if s in idf})) for pk, v in raw]
    docs = [(pk, v) for pk, v in docs if v]
    if len(docs) < MIN_TOPIC * 2:
        return []
    k = max(1, min(max_k, len(docs) // (MIN_TOPIC * 2)))
    rng = random.Random(seed)
    centres = [docs[rng.randrange(len(docs))][1]]
    while len(centres) < k:  # k-means++: far from the chosen centres is more likely
        distances = [1.0 - max(_dot(v, c) for c in centres) for _pk, v in docs]
        total = sum(distances)
        if total <= 0:
            break
        pick, acc = rng.random() * total, 0.0
        for (_pk, v), d in zip(docs, distances, strict=True):
            acc += d
            if acc >= pick:
                centres.append(v)
                break
    assignment = [0] * len(docs)
    for _ in range(ITERATIONS):
        changed = False
        for i, (_pk, v) in enumerate(docs):
            best = max(range(len(centres)), key=lambda c: _dot(v, centres[c]))
            if best != assignment[i]:
                assignment[i], changed = best, True
        for c in range(len(centres)):
            members = [docs[i][1] for i in range(len(docs)) if assignment[i] == c]
            summed: Counter = Counter()
            for v in members:
                summed.update(v)
            centres[c] = _normalise(dict(summed))
        if not changed:
            break
    topics = []
    for c, centre in enumerate(centres):
        members = [(docs[i][0], _dot(docs[i][1], centre)) for i in range(len(docs)) if assignment[i] == c]
        if len(members) < MIN_TOPIC or not centre:
            continue
        top = sorted(centre, key=lambda s: -centre[s])[:5]
        shown = [surfaces[s].most_common(1)[0][0] for s in top]
        members.sort(key=lambda m: -m[1])
        topics.append(Topic(language, shown, len(members), [pk for pk, _s in members[:3]]))
    return topics
