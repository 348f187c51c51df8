"""Theme tagging benchmark (issue 11): accuracy on the held-out development set and speed.

    .venv/bin/python bench/themes_accuracy.py [--part heldout|tune] [--errors] [--seconds 5]

Prints, per language (en, id, es), precision, recall and F1 per theme and the macro-F1 over
the themes present, the share of agreed themes whose polarity (+/-) also agrees, and the
tagging speed in comments per second on one core (the whole development set of the three
languages, cycled, through one Tagger; the first pass, which fills the word caches, is
timed separately). No database needed. --errors lists the misses (use it on --part tune only:
the held-out part is for measuring, not for tuning).
"""

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.themes import DEFAULT_KEYS
from analytics.themes.devset import load, score
from analytics.themes.tagger import LANGUAGES, fresh_tagger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", default="heldout", choices=("heldout", "tune"))
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    tagger = fresh_tagger()

    def predict(text: str) -> dict[str, str]:
        return {hit.key: hit.polarity for hit in tagger.tag(text)}

    print(f"part: {args.part}   (tagging without the survey language: the comment decides)\n")
    summary = []
    for language in LANGUAGES:
        examples = load(language, args.part)
        report = score(examples, predict, DEFAULT_KEYS)
        print(f"== {language}: {report.examples} comments")
        print(f"{'theme':<14}{'n':>5}{'prec':>7}{'recall':>8}{'F1':>7}")
        for t in report.themes:
            print(f"{t.key:<14}{t.support:>5}{t.precision:>7.2f}{t.recall:>8.2f}{t.f1:>7.2f}")
        print(f"{'macro-F1':<14}{'':>5}{'':>7}{'':>8}{report.macro_f1:>7.3f}")
        print(f"polarity agrees on {report.polarity_agree}/{report.polarity_total} found themes\n")
        summary.append((language, report.macro_f1, report.polarity_accuracy))
        if args.errors:
            for ex in examples:
                got = predict(ex.text)
                if got != ex.themes:
                    print(f"   want {ex.themes} got {got}: {ex.text}")
            print()
    texts = [ex.text for language in LANGUAGES for part in ("tune", "heldout") for ex in load(language, part)]
    cold = fresh_tagger()
    start = time.perf_counter()
    for text in texts:
        cold.tag(text)
    first_pass = len(texts) / (time.perf_counter() - start)
    count, start = 0, time.perf_counter()
    for text in itertools.cycle(texts):
        tagger.tag(text)
        count += 1
        if count % 500 == 0 and time.perf_counter() - start > args.seconds:
            break
    warm = count / (time.perf_counter() - start)
    print(f"{'language':<10}{'macro-F1':>10}{'target':>8}{'polarity':>10}")
    for language, macro, polarity in summary:
        verdict = "pass" if macro >= 0.80 else "FAIL"
        print(f"{language:<10}{macro:>10.3f}{'0.80':>8}{polarity:>10.2f}  {verdict}")
    print(f"\nspeed, one core: {warm:,.0f} comments/s warm, {first_pass:,.0f} comments/s on the first pass")
    print("(target 2,000 comments/s)")


if __name__ == "__main__":
    main()
