"""A small load generator for the fault tests: threads sending requests to 127.0.0.1 only."""

import http.client
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

# (method, path, body or None, headers) for the n-th request of a kind
RequestMaker = Callable[[int], tuple[str, str, dict | None, dict]]


@dataclass
class Results:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def p99(self, kind: str) -> float:
        values = sorted(self.seconds[kind])
        return values[min(len(values) - 1, int(len(values) * 0.99))]

    def worst(self, kind: str) -> float:
        return max(self.seconds[kind])


def request(port: int, method: str, path: str, body: dict | None, headers: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        if payload is not None:
            headers = {"Content-Type": "application/json", **headers}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0  # no answer at all: what a proxy turns into a 502
    finally:
        connection.close()


def run(port: int, makers: dict[str, RequestMaker], *, seconds: float, threads: int = 8, first: int = 0) -> Results:
    """Each thread sends the kinds in turn until `seconds` have passed; requests are
    numbered from `first` (so two runs make different external ids)."""
    results = Results()
    lock = threading.Lock()
    counter = iter(range(first, 10**9))
    stop_at = time.monotonic() + seconds
    kinds = list(makers)

    def worker() -> None:
        while time.monotonic() < stop_at:
            with lock:
                n = next(counter)
            kind = kinds[n % len(kinds)]
            method, path, body, headers = makers[kind](n)
            started = time.monotonic()
            status = request(port, method, path, body, headers)
            elapsed = time.monotonic() - started
            with lock:
                results.seconds[kind].append(elapsed)
                results.statuses[kind].append(status)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results
