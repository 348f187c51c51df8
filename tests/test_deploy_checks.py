"""Production readiness: `manage.py check --deploy` passes under production settings, and the
container files (Dockerfile, docker-compose.yml) agree with each other and with settings.py."""

import ast
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")
# Read by the process runner, not by settings.py: gunicorn.conf.py's workers, threads, recycling.
RUNNER_VARIABLES = {"WEB_CONCURRENCY", "WEB_THREADS", "WEB_MAX_REQUESTS"}
# Variables settings.py reads that the compose services deliberately leave alone: none (the
# README promises that every variable of its table reaches the containers).
NOT_FOR_COMPOSE: set[str] = set()
# All a production process inherits from its shell besides the app's own variables.
SHELL_BASICS = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH"}
# What .env holds for `docker compose up` (the values compose insists on).
DOTENV = {
    "SECRET_KEY": secrets.token_urlsafe(48),
    "ALLOWED_HOSTS": "nps.example.com",
    "PUBLIC_BASE_URL": "https://nps.example.com",
    "POSTGRES_PASSWORD": "compose-test-password",
}


def settings_variables() -> set[str]:
    """Every environment variable settings.py reads through django-environ (`env.str("X")`...)."""
    tree = ast.parse((BASE_DIR / "nps_project" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        reads_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
        )
        first = node.args[0]
        if reads_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, environment: Mapping[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}`, `${NAME:?error}` and `$$` substitution."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        current = environment.get(name)
        missing = current is None or (current == "" and op is not None and op.startswith(":"))
        if op in (":-", "-"):
            return arg if missing else current
        if op in (":?", "?") and missing:
            raise ValueError(f"compose would refuse to start: {arg}")
        return current or ""

    return _VARIABLE.sub(replace, value)


def service_environment(service: str, dotenv: Mapping[str, str]) -> dict[str, str]:
    """The environment compose gives a service's containers, given the .env values."""
    resolved = {}
    for name, value in (compose()["services"][service].get("environment") or {}).items():
        if value is None:  # passed through only when set in .env or the shell
            if name in dotenv:
                resolved[name] = dotenv[name]
        else:
            resolved[name] = interpolate(str(value), dotenv)
    return resolved


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (BASE_DIR / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def check_deploy(environment: Mapping[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """`manage.py check --deploy --fail-level WARNING` in a fresh process with `environment`.

    Only a few basics come from the caller's shell (not, say, DJANGO_ALLOW_ASYNC_UNSAFE,
    which conftest sets for the browser tests). The check connects to no database, but
    DATABASE_URL points at a real one anyway: this run's, else an SQLite file.
    """
    env = {name: value for name, value in os.environ.items() if name in SHELL_BASICS}
    env.update(environment)
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


# --- manage.py check --deploy ---------------------------------------------------------------


def test_check_deploy_passes_with_the_compose_production_environment(tmp_path):
    environment = service_environment("web", DOTENV)
    assert environment["DEBUG"] == "false"
    done = check_deploy(environment, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_with_debug_off_only_the_redirect_and_hsts_scope_need_setting(tmp_path):
    """Secure cookies and HSTS are on by default once DEBUG is off."""
    done = check_deploy(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "nps.example.com",
            "SECURE_SSL_REDIRECT": "true",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
            "SECURE_HSTS_PRELOAD": "true",
        },
        tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_deploy_fails_with_debug_on(tmp_path):
    environment = service_environment("web", DOTENV) | {"DEBUG": "true"}
    done = check_deploy(environment, tmp_path)
    assert done.returncode != 0
    assert "security.W018" in done.stdout + done.stderr  # "DEBUG should not be True in deployment"


def test_check_deploy_fails_when_production_forgets_the_secret_key(tmp_path):
    environment = {k: v for k, v in service_environment("web", DOTENV).items() if k != "SECRET_KEY"}
    done = check_deploy(environment, tmp_path)
    assert done.returncode != 0
    assert "security.W009" in done.stdout + done.stderr  # the embedded default key is not a secret


def test_compose_refuses_to_start_without_the_required_secrets():
    for name in ("SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS", "PUBLIC_BASE_URL"):
        with pytest.raises(ValueError, match=name):
            service_environment("web", {key: value for key, value in DOTENV.items() if key != name})


# --- docker-compose.yml ----------------------------------------------------------------------


def test_settings_reader_finds_the_production_variables():
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "PUBLIC_BASE_URL"} <= (
        settings_variables()
    )


def test_every_setting_can_be_configured_through_compose():
    """A new variable in settings.py is either passed to the app containers or listed above."""
    configurable = set(compose()["x-app-environment"]) | NOT_FOR_COMPOSE
    assert not settings_variables() - configurable, sorted(settings_variables() - configurable)


def test_readme_documents_every_variable_settings_reads():
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))
    assert not settings_variables() - documented, sorted(settings_variables() - documented)
    assert not documented - settings_variables(), sorted(documented - settings_variables())


def test_compose_has_every_service():
    assert set(compose()["services"]) >= {"postgres", "redis", "migrate", "web", "worker", "beat"}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_set_only_variables_settings_reads(service):
    names = set(compose()["services"][service]["environment"])
    unknown = names - settings_variables() - RUNNER_VARIABLES
    assert not unknown, f"{service} sets variables nothing reads: {sorted(unknown)}"
    environment = service_environment(service, DOTENV)
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["REDIS_URL"].startswith("redis://")
    assert environment["DEBUG"] == "false"
    assert environment["SECRET_KEY"] == DOTENV["SECRET_KEY"]
    assert environment["ALLOWED_HOSTS"] and environment["PUBLIC_BASE_URL"].startswith("https://")


def test_compose_database_url_matches_the_postgres_service():
    postgres = compose()["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    env = postgres["environment"]
    url = service_environment("web", DOTENV)["DATABASE_URL"]
    password = interpolate(env["POSTGRES_PASSWORD"], DOTENV)
    assert url == f"postgres://{env['POSTGRES_USER']}:{password}@postgres:5432/{env['POSTGRES_DB']}"
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_compose_redis_is_checked_with_ping():
    redis = compose()["services"]["redis"]
    assert redis["image"].startswith("redis:7")
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])


def test_compose_migrates_once_before_web_worker_and_beat_start():
    services = compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_compose_health_checks():
    services = compose()["services"]
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "/readyz" in web_check
    assert "curl" not in web_check  # not in the slim image
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])


def test_compose_runs_the_celery_worker_and_one_beat_with_a_writable_schedule():
    services = compose()["services"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "nps_project", "worker"]
    beat = services["beat"]["command"]
    assert beat[:4] == ["celery", "-A", "nps_project", "beat"]
    schedule = beat[beat.index("--schedule") + 1]
    assert schedule.startswith("/app/var/")
    # The image creates var/ for the unprivileged user.
    assert any(keyword == "RUN" and "/app/var" in args and "nps" in args for keyword, args in dockerfile())


def test_web_serves_nps_project_wsgi_on_port_8000():
    web = compose()["services"]["web"]
    command = web.get("command")
    if command is None:  # the image's default
        command = next(args for keyword, args in reversed(dockerfile()) if keyword == "CMD")
    command = command if isinstance(command, str) else " ".join(command)
    assert "gunicorn" in command
    assert "nps_project.wsgi" in command
    assert "0.0.0.0:8000" in command
    assert any(port.endswith(":8000") for port in web["ports"])


# --- Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_builds_in_stages_and_runs_unprivileged():
    instructions = dockerfile()
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    assert len(stages) >= 2
    assert stages[-1].split()[0] == "python:3.11-slim"
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert ("EXPOSE", "8000") in instructions


def test_dockerfile_compiles_messages_and_collects_static_files_at_build_time():
    final_stage = max(i for i, (keyword, _) in enumerate(dockerfile()) if keyword == "FROM")
    build_steps = " ".join(args for keyword, args in dockerfile()[:final_stage] if keyword == "RUN")
    assert "gettext" in build_steps  # msgfmt, for compilemessages
    assert "manage.py compilemessages" in build_steps
    assert "manage.py collectstatic --noinput" in build_steps
    env = " ".join(args for keyword, args in dockerfile()[final_stage:] if keyword == "ENV")
    assert "STATIC_MANIFEST=true" in env  # serve the hashed files collectstatic wrote


def test_dockerfile_health_check_probes_healthz_with_python():
    checks = [args for keyword, args in dockerfile() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/healthz" in checks[0]
    assert '"python"' in checks[0]
    assert "curl" not in checks[0]


def test_every_variable_of_the_readme_table_reaches_the_containers():
    """The README says any variable of its configuration table can go into .env."""
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))
    for service in APP_SERVICES:
        passed = set(compose()["services"][service]["environment"])
        assert not documented - passed, (service, sorted(documented - passed))
        dotenv = DOTENV | {"API_RATE_LIMIT": "120/min", "TWILIO_API_BASE": "https://twilio.test"}
        environment = service_environment(service, dotenv)
        assert environment["API_RATE_LIMIT"] == "120/min"
        assert environment["TWILIO_API_BASE"] == "https://twilio.test"
        assert "STATIC_MANIFEST" not in environment  # unset in .env: the image's value applies


def test_production_logs_are_json_unless_env_says_otherwise():
    assert service_environment("web", DOTENV)["LOG_FORMAT"] == "json"
    assert service_environment("worker", DOTENV | {"LOG_FORMAT": "text"})["LOG_FORMAT"] == "text"


# --- gunicorn ----------------------------------------------------------------------------------------


def gunicorn_settings(environment: Mapping[str, str] | None = None) -> dict:
    """gunicorn.conf.py's settings as gunicorn reads them, in a fresh process."""
    keys = [
        "max_requests",
        "keepalive",
        "graceful_timeout",
        "timeout",
        "threads",
        "workers",
        "accesslog",
        "logger_class",
    ]
    code = (
        "import json, runpy; from gunicorn.config import Config; "
        "ns = runpy.run_path('gunicorn.conf.py'); c = Config(); "
        "[c.set(k, v) for k, v in ns.items() if k in c.settings]; "
        f"print(json.dumps({{k: str(c.settings[k].get()) for k in {keys!r}}}))"
    )
    env = {name: value for name, value in os.environ.items() if name in SHELL_BASICS}
    env.update(environment or {})
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_image_runs_gunicorn_with_its_config_file():
    command = next(args for keyword, args in reversed(dockerfile()) if keyword == "CMD")
    assert '"gunicorn.conf.py"' in command


def test_gunicorn_does_not_recycle_workers_or_keep_idle_connections():
    """Recycling a gthread worker dropped requests sent on its keep-alive connections
    (24 of 3,000 behind a proxy); neither happens by default now."""
    config = gunicorn_settings({"WEB_CONCURRENCY": "3"})
    assert config["max_requests"] == "0"
    assert config["keepalive"] == "0"
    assert config["threads"] == "4"
    assert config["workers"] == "3"
    assert "MaskingLogger" in config["logger_class"]
    assert config["accesslog"] == "-"


def test_gunicorn_leaves_request_logging_to_django_in_json_mode():
    assert gunicorn_settings({"LOG_FORMAT": "json"})["accesslog"] == "None"


def test_docker_waits_for_gunicorns_graceful_shutdown():
    config = gunicorn_settings()
    grace = compose()["services"]["web"]["stop_grace_period"]
    assert int(grace.rstrip("s")) > float(config["graceful_timeout"]) >= float(config["timeout"])
