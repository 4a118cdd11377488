"""Shared fixtures. ``db`` runs each storage test on SQLite and on a real Postgres.

Postgres comes from ``DAILIES_TEST_POSTGRES_URL`` (default: the local trust-auth server). Where it
is unreachable the Postgres half is skipped with the reason printed, except in CI (``CI=true``),
where an unreachable Postgres is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from storage.db import Database

# Discord fixtures (studio, bare_studio): a sandbox server and a running DailiesBot.
pytest_plugins = ["tests.helpers"]

PG_ADMIN_URL = os.environ.get(
    "DAILIES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means "not here"
        return f"Postgres unreachable at {PG_ADMIN_URL}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A throwaway Postgres database for this test session, dropped afterwards."""
    problem = _pg_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Postgres: {problem}")
        pytest.skip(f"{problem} (set DAILIES_TEST_POSTGRES_URL; CI runs these)")
    name = f"dailies_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_pg_schema_ready: set[str] = set()


async def _fresh_postgres(url: str) -> Database:
    database = Database(url)
    if url not in _pg_schema_ready:
        await database.create_all()
        _pg_schema_ready.add(url)
    else:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        async with database.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """An empty database with every table, on SQLite and on Postgres."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "dailies.db"
        database = Database(f"sqlite:///{path}")
        await database.create_all()
    else:
        url = request.getfixturevalue("pg_database_url")
        database = await _fresh_postgres(url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    """SQLite only, for tests about Discord or media that use storage incidentally."""
    path = tmp_path_factory.mktemp("db") / "dailies.db"
    database = Database(f"sqlite:///{path}")
    await database.create_all()
    try:
        yield database
    finally:
        await database.dispose()
