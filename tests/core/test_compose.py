"""docker-compose.yml cannot be started here (no Docker engine), so it is parsed and checked."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_services_present_with_healthchecks():
    services = load()["services"]
    assert set(services) >= {"web", "worker", "beat", "db", "redis"}
    for name in ("web", "worker", "beat", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:")


def test_app_services_share_one_image_and_configuration():
    services = load()["services"]
    app = [services[n] for n in ("web", "worker", "beat")]
    assert len({s["image"] for s in app}) == 1
    assert all(s["environment"] == app[0]["environment"] for s in app)
    env = app[0]["environment"]
    for key in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS"):
        assert key in env
    assert "gunicorn" in services["web"]["command"]
    assert "celery -A config worker" in services["worker"]["command"]
    assert "celery -A config beat" in services["beat"]["command"]
    assert all(set(s["depends_on"]) == {"db", "redis"} for s in app)


def test_no_secret_in_compose_file():
    env = load()["services"]["web"]["environment"]
    assert env["DJANGO_SECRET_KEY"].startswith("${")
    assert "${POSTGRES_PASSWORD" in env["DATABASE_URL"]


def test_makefile_worker_and_beat_match_compose():
    makefile = (ROOT / "Makefile").read_text()
    assert "celery -A config worker" in makefile
    assert "celery -A config beat" in makefile
