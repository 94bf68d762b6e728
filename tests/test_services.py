"""CI runs on real PostgreSQL and Redis. These pass wherever the services are in use; their point is the
fixtures, which fail them under CI=true when DATABASE_URL or REDIS_URL is missing or unreachable, even
if no other test still needed the service."""

import redis
from django.db import connection


def test_the_database_is_postgresql(postgres, db):
    assert connection.vendor == "postgresql"


def test_redis_answers(redis_url):
    assert redis.Redis.from_url(redis_url, socket_timeout=2).ping() is True
