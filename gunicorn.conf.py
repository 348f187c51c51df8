"""gunicorn settings of the image (Dockerfile CMD: `gunicorn -c gunicorn.conf.py ...`).

No worker recycling. `max_requests` exists to contain memory leaks; our workers' memory
is flat (the start-up heap is frozen, nps_project/wsgi.py). And a gthread worker that stops
drops requests: the keep-alive connections it holds idle (24 of 3,000 requests with
--max-requests 2000 behind a proxy, which turned them into 502s), and the connections it
has accepted but not read yet (1-2 of ~110 in tests/ops/test_gunicorn.py with
--max-requests 50 and no keep-alive). WEB_MAX_REQUESTS turns recycling back on for whoever
must, at that price.

No keep-alive between the proxy and gunicorn (`keepalive = 0`): every response closes its
connection, so a worker that stops (a deploy, a scale-down) holds no idle connection a
request could arrive on: the larger of the two sources above is gone. The proxy keeps its
own keep-alive with browsers; a new TCP connection to a neighbour on the same host or
network costs well under a millisecond.

`graceful_timeout`: on SIGTERM (a deploy, `docker compose stop`) a worker stops accepting
and finishes what it is serving for up to this long; compose's `stop_grace_period` for web
is longer, so Docker does not SIGKILL it first.

Logs: survey tokens in request lines are masked (nps_project/log.py). With LOG_FORMAT=json
Django writes one JSON line per request (nps_project/request_log.py) and gunicorn's own
access log is off, so each request is logged once.
"""

import os

from gunicorn.glogging import Logger

bind = "0.0.0.0:8000"
# workers: gunicorn reads WEB_CONCURRENCY itself (the image sets 3).
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 60
keepalive = 0
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Headers and the request line: bounded (gunicorn's defaults), nothing larger is needed.
limit_request_line = 8190

accesslog = None if os.environ.get("LOG_FORMAT", "text") == "json" else "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'


class MaskingLogger(Logger):
    """gunicorn's logger with survey tokens masked in every access and error line."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        from nps_project.log import MaskSurveyTokens  # gunicorn loads this file before Django

        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, MaskSurveyTokens) for f in log.filters):
                log.addFilter(MaskSurveyTokens())


logger_class = MaskingLogger
