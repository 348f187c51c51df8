# syntax=docker/dockerfile:1
# NPS Desk production image: gunicorn by default; the same image runs the Celery worker,
# Celery beat and one-off management commands (see docker-compose.yml).

# --- builder: dependencies into a virtualenv, translations compiled, static files collected
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

# gettext provides msgfmt for compilemessages; it is not needed at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .

# Settings load without a database or broker; these values exist only for this step and
# are not kept in the image. STATIC_MANIFEST=true writes hashed, compressed files.
RUN DEBUG=false \
    SECRET_KEY=build-time-only-not-used-at-run-time-0123456789abcdefghijklmnopqrstuvwxyz \
    STATIC_MANIFEST=true \
    sh -c 'python manage.py compilemessages --ignore=.venv \
        && python manage.py collectstatic --noinput'

# --- final: the virtualenv and the prepared source tree, run as an unprivileged user
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=nps_project.settings \
    STATIC_MANIFEST=true \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 nps \
 && useradd --system --uid 10001 --gid nps --home-dir /app --no-create-home --shell /usr/sbin/nologin nps

COPY --from=builder /opt/venv /opt/venv
# The code stays root-owned (read-only for the app); only var/ is writable (beat schedule,
# file-based mail if configured, uploaded import files in var/imports: a volume shared by web
# and worker, created here so that the volume is owned by the app's user).
COPY --from=builder /app /app
RUN install -d -o nps -g nps /app/var /app/var/imports
WORKDIR /app

USER nps:nps
EXPOSE 8000

# Liveness only (the process serves requests); compose checks /readyz for the web service.
# The Host header is the first ALLOWED_HOSTS entry so the probe is not refused as a bad host.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as r; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"]

# gunicorn.conf.py: WEB_CONCURRENCY workers (read by gunicorn) of 4 threads each, so every
# web container holds up to WEB_CONCURRENCY x 4 database connections; no worker recycling
# and no keep-alive, so no request is dropped when a worker stops (the file says why);
# survey tokens masked in the access log.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "nps_project.wsgi:application"]
