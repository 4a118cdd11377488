"""Fixtures for storage infrastructure tests: empty databases, on SQLite and on Postgres.

Migration tests need a database with nothing in it (not even ``create_all``'s tables), so each
Postgres case gets its own throwaway database on the server named by
``DAILIES_TEST_POSTGRES_URL``, created and dropped here, the way ``pg_database_url`` does it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import PG_ADMIN_URL, _pg_reachable


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    problem = _pg_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Postgres: {problem}")
        pytest.skip(f"{problem} (set DAILIES_TEST_POSTGRES_URL; CI runs these)")
    name = f"dailies_migr_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """The URL of a database that has never seen a table, on SQLite and on Postgres."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/dailies.db"
    url: str = request.getfixturevalue("empty_postgres_url")
    return url
