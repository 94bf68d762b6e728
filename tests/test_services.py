"""CI runs on real PostgreSQL and Redis: prove they are the ones in use (fails under CI=true when missing)."""

import redis


def test_database_is_postgresql_in_ci(postgres, db, django_db_setup):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


def test_redis_answers(redis_url):
    assert redis.Redis.from_url(redis_url, socket_timeout=2).ping() is True
