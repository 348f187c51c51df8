"""The labelled development set and its scores: per-theme precision, recall, F1 and the
macro-F1 over the themes that occur. Pure Python; used by bench/themes_accuracy.py and the
floor test (tests/analytics/test_themes_devset.py)."""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

DEVSET_DIR = Path(__file__).resolve().parent.parent.parent / "tests" / "data" / "themes"
PARTS = ("tune", "heldout")


@dataclass(frozen=True)
class Example:
    text: str
    themes: dict[str, str]


@dataclass(frozen=True)
class ThemeScore:
    key: str
    support: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Report:
    themes: list[ThemeScore]
    polarity_agree: int
    polarity_total: int
    examples: int

    @property
    def macro_f1(self) -> float:
        scored = [t for t in self.themes if t.support]
        return sum(t.f1 for t in scored) / len(scored) if scored else 0.0

    @property
    def polarity_accuracy(self) -> float:
        return self.polarity_agree / self.polarity_total if self.polarity_total else 0.0


def load(language: str, part: str, directory: Path = DEVSET_DIR) -> list[Example]:
    path = directory / f"{language}_{part}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Example(row["text"], dict(row["themes"])) for row in rows]


def score(examples: Iterable[Example], predict: Callable[[str], dict[str, str]], theme_keys: Iterable[str]) -> Report:
    """Compare predicted {theme: polarity} with the labels; polarity counted on agreed themes."""
    keys = list(theme_keys)
    tp = dict.fromkeys(keys, 0)
    fp = dict.fromkeys(keys, 0)
    fn = dict.fromkeys(keys, 0)
    support = dict.fromkeys(keys, 0)
    agree = total = count = 0
    for example in examples:
        count += 1
        found = predict(example.text)
        for key in keys:
            want, got = key in example.themes, key in found
            support[key] += want
            if want and got:
                tp[key] += 1
                total += 1
                agree += example.themes[key] == found[key]
            elif got:
                fp[key] += 1
            elif want:
                fn[key] += 1
    return Report([ThemeScore(k, support[k], tp[k], fp[k], fn[k]) for k in keys], agree, total, count)
