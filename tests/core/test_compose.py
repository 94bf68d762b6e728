"""docker-compose.yml cannot be started here (no Docker engine), so its rules are checked on the file."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
APP = ("web", "worker", "beat")


def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def test_every_service_has_a_healthcheck():
    found = services()
    assert set(found) >= {*APP, "db", "redis"}
    assert [name for name, service in found.items() if "healthcheck" not in service] == []


def test_app_services_share_one_image_and_configuration():
    found = services()
    app = [found[name] for name in APP]
    assert len({s["image"] for s in app}) == 1
    assert all(s["environment"] == app[0]["environment"] for s in app)
    assert all(set(s["depends_on"]) == {"db", "redis"} for s in app)


def test_every_variable_the_app_services_set_is_read_by_the_settings():
    """A misspelt variable would be ignored silently and the setting left at its default."""
    read = set(re.findall(r"""env(?:\.\w+)?\(\s*["'](\w+)["']""", (ROOT / "config" / "settings.py").read_text()))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read  # the pattern finds the reads
    assert set(services()["web"]["environment"]) - read == set()


def test_no_secret_in_compose_file():
    """Passwords and keys come from the environment (.env): every one is a ${VARIABLE}, in URLs too."""
    for name, service in services().items():
        for key, value in (service.get("environment") or {}).items():
            credentials = re.search(r"://[^/:@]*:([^@]*)@", str(value))
            if credentials:
                assert credentials.group(1).startswith("${"), f"{name}: {key} holds a literal password"
            elif "PASSWORD" in key or "SECRET" in key:
                assert str(value).startswith("${"), f"{name}: {key} holds a literal secret"
