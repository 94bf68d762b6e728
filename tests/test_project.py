from io import StringIO

from django.core.management import call_command


def test_system_check_is_clean(db):
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


def test_no_missing_migrations(db):
    # Raises SystemExit(1) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_healthz_needs_no_auth_and_no_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
