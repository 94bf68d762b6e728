"""The schema works for an integrating system: a client generated from docs/openapi.yaml with
openapi-python-client installs unedited into a fresh virtualenv and runs a scenario against a live
server (tests/api/generated_client_scenario.py: list with filters, progress of the province and a city,
create, updates with the version, the 409 on a stale one, 400s, delete with If-Match).

The virtualenv holds only the generated package and the dependencies it declares (pip installs them
from the configured index; the pip cache keeps repeated runs fast)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.roles import Role
from core.services import user_set_role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(settings.BASE_DIR)
SCHEMA = ROOT / "docs" / "openapi.yaml"
SCENARIO = Path(__file__).with_name("generated_client_scenario.py")
BIN = Path(sys.executable).parent  # the project's virtualenv: openapi-python-client, ruff, pip
YEAR = timezone.localdate().year  # a demo year, as `make run` seeds it
PACKAGE = "expo_plan_api_client"


def _run(argv: list, **kwargs) -> subprocess.CompletedProcess:
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False, **kwargs)
    assert out.returncode == 0, f"{' '.join(map(str, argv))}\n{out.stdout}\n{out.stderr}"
    return out


def generate(tmp: Path, meta: str = "poetry") -> Path:
    """The client as `openapi-python-client generate --path docs/openapi.yaml` writes it (it runs ruff)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    _run(
        [BIN / "openapi-python-client", "generate", "--path", SCHEMA, "--meta", meta, "--fail-on-warning"],
        cwd=tmp,
        env=env,
    )
    (package,) = [p for p in tmp.iterdir() if p.is_dir()]
    return package


@pytest.fixture(scope="module")
def client_python(tmp_path_factory) -> Path:
    """The Python of a new virtualenv (`python -m venv`) with the generated client `pip install`ed."""
    tmp = tmp_path_factory.mktemp("client")
    package = generate(tmp)
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])  # pip from the project's venv, below
    python = venv / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--disable-pip-version-check", package]
    )
    _run([python, "-c", f"import {PACKAGE}"])
    isolated = subprocess.run([python, "-c", "import django"], capture_output=True, check=False)
    assert isolated.returncode != 0, "the client's virtualenv must not see the project's packages"
    return python


@pytest.fixture
def staff_token(transactional_db) -> str:
    from exhibitions.demo import seed_demo_year
    from targets.services import progress_recompute

    # The demo year (Asia/Shanghai), and the one docs/api.md's example takes (the machine's date).
    for year in {YEAR, dt.date.today().year}:
        seed_demo_year(year=year, count=150, seed=11, as_of=dt.date(year, 6, 30))
        progress_recompute(year=year, as_of=dt.date(year, 6, 30))
    user = user_set_role(username="integrator-staff", role=Role.STAFF, password="Pw-for-tests-123")
    return Token.objects.get_or_create(user=user)[0].key


def test_generated_client_runs_the_scenario(client_python, live_server, staff_token):
    started = time.perf_counter()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "EXPOPLAN_URL": live_server.url,
        "EXPOPLAN_TOKEN": staff_token,
        "EXPOPLAN_YEAR": str(YEAR),
    }
    out = _run([client_python, SCENARIO], env=env, cwd=client_python.parent)
    assert "scenario passed" in out.stdout
    assert time.perf_counter() - started < 60


def test_the_docs_example_runs_as_shown(client_python, live_server, staff_token, tmp_path):
    """docs/api.md's generated-client example, unchanged but for the server's address."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    (example,) = [block for block in re.findall(r"```python\n(.*?)```", text, flags=re.S) if PACKAGE in block]
    assert '"http://127.0.0.1:8000"' in example
    script = tmp_path / "example.py"
    script.write_text(example.replace('"http://127.0.0.1:8000"', repr(live_server.url)), encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "EXPOPLAN_TOKEN": staff_token}
    out = _run([client_python, script], env=env, cwd=tmp_path)
    assert "version_conflict - current version 2" in out.stdout
