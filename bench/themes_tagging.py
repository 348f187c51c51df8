"""tag_themes benchmark (issue 11): history tagging throughput and memory.

    .venv/bin/python bench/themes_tagging.py [--responses 100000] [--workers 2] [--force]

Loads N responses with bench/load_responses.py into NPS_BENCH_THEMES_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/nps_bench_themes), then gives ~55 % of them a why-text
made from the development set's comments (all three languages) with a random tail of rare
words, so that the taggers' word caches see a long tail as real comments do. It then runs
`manage.py tag_themes --all --workers W` as a subprocess and prints the wall time, answers
per second, the extrapolation to 1,000,000 answers, and the peak RSS of the largest process
(the command or one of its workers: getrusage of the waited-for children). A second run of
`tag_themes` (nothing pending) is timed too: the cost of the periodic re-tag sweep.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/nps_bench_themes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("NPS_BENCH_THEMES_DATABASE_URL", DEFAULT_URL)
    env = {**os.environ, "NPS_BENCH_DATABASE_URL": url, "DATABASE_URL": url, "REDIS_URL": "", "LOG_LEVEL": "WARNING"}
    python = str(BASE_DIR / ".venv" / "bin" / "python")
    load = [python, "bench/load_responses.py", "--responses", str(args.responses)]
    subprocess.run([*load, "--force"] if args.force else load, cwd=BASE_DIR, env=env, check=True)
    write_comments(url, args.responses)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    loader_cpu = before.ru_utime + before.ru_stime
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    command = [python, "manage.py", "tag_themes", "--all", "--no-progress", "--workers", str(args.workers)]
    started = time.perf_counter()
    subprocess.run(command, cwd=BASE_DIR, env=env, check=True)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime - loader_cpu
    comments = count_comments(url)
    rate = comments / seconds
    again = time.perf_counter()
    sweep = [python, "manage.py", "tag_themes", "--no-progress"]
    subprocess.run(sweep, cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL)
    idle = time.perf_counter() - again
    print()
    print(f"{'figure':<52}{'measured':>14}{'target':>14}")
    print(f"{'answers with a why-text tagged':<52}{comments:>14,}")
    print(f"{f'tag_themes --all --workers {args.workers} (wall, incl. start-up)':<52}{seconds:>13.1f}s")
    print(f"{'answers per second':<52}{rate:>14,.0f}")
    per_million = 1_000_000 / rate / 60
    print(f"{'1,000,000 answers (extrapolated from wall time)':<52}{per_million:>12.1f}min{'<= 10 min':>14}")
    per_cpu = comments / cpu
    print(f"{'CPU seconds of the tagging processes':<52}{cpu:>13.1f}s")
    print(f"{'answers per CPU second (Python side)':<52}{per_cpu:>14,.0f}")
    on_two = 1_000_000 / (2 * per_cpu) / 60
    print(f"{'1,000,000 answers on 2 free cores (from CPU time)':<52}{on_two:>12.1f}min{'<= 10 min':>14}")
    print(f"{'peak RSS of the largest process':<52}{peak_mb:>12.0f}MB{'< 300 MB':>14}")
    print(f"{'second run, nothing pending (the sweep)':<52}{idle:>13.1f}s")


def write_comments(url: str, n: int) -> None:
    """Give about 55 % of the answers a varied why-text (once; the loader's texts are few)."""
    import psycopg

    from analytics.themes.devset import load
    from analytics.themes.tagger import LANGUAGES

    rng = random.Random(11)
    texts = [(ex.text, lang) for lang in LANGUAGES for part in ("tune", "heldout") for ex in load(lang, part)]
    rare = ["".join(rng.choice("abcdefghijklmnoprstuwy") for _ in range(rng.randint(4, 9))) for _ in range(20_000)]
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT count(*) FROM surveys_response WHERE why LIKE '%%#themes%%'").fetchone()[0]:
            return
        ids = [row[0] for row in conn.execute("SELECT id FROM surveys_response ORDER BY id")]
        with conn.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE why_text (id bigint, why text, language text)")
            with cursor.copy("COPY why_text (id, why, language) FROM STDIN") as copy:
                for pk in ids:
                    if rng.random() < 0.45:
                        copy.write_row((pk, "", "en"))
                        continue
                    text, language = rng.choice(texts)
                    tail = " ".join(rng.choice(rare) for _ in range(rng.randint(0, 6)))
                    copy.write_row((pk, f"{text} {tail} #themes".strip(), language))
            cursor.execute(
                "UPDATE surveys_response r SET why = w.why, language = w.language FROM why_text w WHERE r.id = w.id"
            )
        conn.execute("VACUUM ANALYZE surveys_response")
    print(f"wrote why-texts into {n:,} answers")


def count_comments(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM surveys_response WHERE why <> ''").fetchone()[0]


if __name__ == "__main__":
    main()
