"""python manage.py tag_themes: find the themes of every why-text not yet tagged with the
current taxonomy (all history on the first run; what is left after an interrupted one)."""

import multiprocessing
import sys
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from analytics.themes import tagging


def _work(partition: tuple[int, int], chunk_size: int, counter) -> None:
    connections.close_all()  # a fresh connection per process

    def bump(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    tagging.tag_pending(chunk_size=chunk_size, partition=partition, progress=bump)
    connections.close_all()


class Command(BaseCommand):
    help = "Tag why-texts with themes (idempotent and resumable); --all re-tags everything."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=1, help="Processes to tag with (e.g. one per core).")
        parser.add_argument("--chunk", type=int, default=tagging.CHUNK, help="Answers per transaction.")
        parser.add_argument("--all", action="store_true", help="Forget every mark first and tag everything again.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar even on a terminal.")

    def handle(self, *args, workers: int = 1, chunk: int = tagging.CHUNK, **options):
        if not 1 <= workers <= 32:
            raise CommandError("--workers must be between 1 and 32.")
        if not 1 <= chunk <= 50_000:
            raise CommandError("--chunk must be between 1 and 50000.")
        if options["all"]:
            tagging.ThemeTagging.objects.all().delete()
        total = tagging.pending_count()
        started = time.perf_counter()
        show = not options["no_progress"] and sys.stdout.isatty()
        counter = multiprocessing.Value("q", 0)
        stop = threading.Event()
        bar = threading.Thread(target=self._progress, args=(counter, total, stop), daemon=True) if show else None
        if bar:
            bar.start()
        if workers == 1:
            tagging.tag_pending(chunk_size=chunk, progress=lambda n: self._bump(counter, n))
        else:
            connections.close_all()
            context = multiprocessing.get_context("fork")
            procs = [context.Process(target=_work, args=((workers, k), chunk, counter)) for k in range(workers)]
            for proc in procs:
                proc.start()
            for proc in procs:
                proc.join()
            if any(proc.exitcode for proc in procs):
                raise CommandError("A tagging process failed; run the command again to finish the rest.")
        stop.set()
        if bar:
            bar.join()
        seconds = time.perf_counter() - started
        done = counter.value
        rate = done / seconds if seconds else 0.0
        self.stdout.write(f"Tagged {done} answers with themes in {seconds:.1f} s ({rate:,.0f}/s, {workers} workers).")

    @staticmethod
    def _bump(counter, n: int) -> None:
        with counter.get_lock():
            counter.value += n

    def _progress(self, counter, total: int, stop: threading.Event) -> None:
        width = 30
        while True:
            done = counter.value
            filled = int(width * done / total) if total else width
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
            self.stdout.flush()
            if stop.wait(0.5):
                self.stdout.write("")
                return
