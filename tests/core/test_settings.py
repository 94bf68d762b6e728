"""Settings come from the environment; production refuses the development key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str], **env_overrides: str) -> subprocess.CompletedProcess:
    """`argv` under this Python with none of the project's variables set (a bare checkout: no .env either,
    whatever `make run` wrote into this one) but these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env["EXPOPLAN_VAR_DIR"] = os.environ.get("EXPOPLAN_VAR_DIR", str(ROOT / "var"))
    env["DJANGO_ENV_FILE"] = ""
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def run_python(code: str, **env_overrides: str) -> subprocess.CompletedProcess:
    return run(["-c", code], **env_overrides)


SHOW = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
    "from django.conf import settings as s;"
)


def test_default_database_is_sqlite_under_var():
    out = run_python(SHOW + "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])", DJANGO_DEBUG="1")
    assert out.returncode == 0, out.stderr
    engine, name = out.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name.endswith("expoplan.sqlite3")


def test_database_url_is_used():
    out = run_python(
        SHOW + "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])",
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/somedb",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["django.db.backends.postgresql", "somedb"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [("", ["True", "memory://"]), ("redis://127.0.0.1:6379/3", ["False", "redis://127.0.0.1:6379/3"])],
    ids=["without REDIS_URL: in-process", "with REDIS_URL: the broker"],
)
def test_celery_broker_follows_redis_url(url, expected):
    out = run_python(
        SHOW + "from config.celery import app; print(app.conf.task_always_eager, app.conf.broker_url)",
        DJANGO_DEBUG="1",
        **({"REDIS_URL": url} if url else {}),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == expected


def test_production_refuses_the_development_key():
    out = run_python(SHOW + "print('started')", DJANGO_DEBUG="false")
    assert out.returncode != 0
    assert "DJANGO_SECRET_KEY" in out.stderr
    out = run_python(SHOW + "print('started')", DJANGO_DEBUG="false", DJANGO_SECRET_KEY=DEV_SECRET_KEY)
    assert out.returncode != 0
    assert "started" not in out.stdout


def test_production_settings_pass_check_deploy():
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-1234567890",
        "DJANGO_ALLOWED_HOSTS": "expoplan.example.gov.cn",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    out = run_python(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **env,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_source_only_commands_run_on_a_bare_checkout_but_a_server_still_refuses():
    # (`make test` checks for missing migrations; here the command only has to start without a key.)
    out = run(["manage.py", "makemigrations", "--dry-run"])
    assert out.returncode == 0, out.stdout + out.stderr
    out = run(["manage.py", "check"])  # anything that may serve or touch data: the production refusal stands
    assert out.returncode != 0
    assert "DJANGO_SECRET_KEY" in out.stderr


def test_make_run_env_file_lets_commands_run_and_the_environment_wins(tmp_path):
    """`make run` writes a .env (DJANGO_DEBUG=true, a generated key) that config/env.py reads, so
    manage.py commands run in the checkout without extra variables; a variable that is set wins."""
    from config.env import write_development_env

    env_file = tmp_path / ".env"
    assert write_development_env(env_file)
    first = env_file.read_text()
    assert not write_development_env(env_file)  # written once, never overwritten
    assert env_file.read_text() == first
    assert "DJANGO_DEBUG=true" in first and DEV_SECRET_KEY not in first
    assert env_file.stat().st_mode & 0o077 == 0
    key = next(line.split("=", 1)[1] for line in first.splitlines() if line.startswith("DJANGO_SECRET_KEY="))

    out = run(["manage.py", "check"], DJANGO_ENV_FILE=str(env_file))
    assert out.returncode == 0, out.stdout + out.stderr
    out = run_python(SHOW + f"print(s.DEBUG, s.SECRET_KEY == {key!r})", DJANGO_ENV_FILE=str(env_file))
    assert out.stdout.split() == ["True", "True"], out.stderr
    out = run_python(SHOW + "print(s.DEBUG)", DJANGO_ENV_FILE=str(env_file), DJANGO_DEBUG="false")
    assert out.stdout.split() == ["False"], out.stderr  # the environment wins over the file


def test_env_file_is_neither_committed_nor_built_into_the_image():
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_production_sends_the_security_headers():
    """With the production settings (not the test settings): the enforced policy, Permissions-Policy, no-store."""
    out = run_python(
        SHOW + "from django.test import Client; r = Client().get('/healthz', secure=True);"
        "print(r['Content-Security-Policy']); print(r['Permissions-Policy']); print(r['Referrer-Policy']);"
        "print(r['Strict-Transport-Security']); print('Content-Security-Policy-Report-Only' in r);"
        "print('core.cache_headers.NoStoreMiddleware' in s.MIDDLEWARE)",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-1234567890",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    assert out.returncode == 0, out.stderr
    csp, permissions, referrer, hsts, report_only, no_store = out.stdout.splitlines()
    assert "script-src 'self';" in csp + ";" and "unsafe" not in csp and "frame-ancestors 'none'" in csp
    assert "camera=()" in permissions and "geolocation=()" in permissions
    assert referrer == "same-origin" and hsts.startswith("max-age=31536000")
    assert report_only == "False" and no_store == "True"
