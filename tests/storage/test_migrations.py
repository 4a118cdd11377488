"""Migrations build exactly the schema of storage/models.py, on SQLite and on Postgres.

When a test here fails after a model change, the fix is a new revision:
``python -m storage.migrate revision -m "what changed"`` (see docs/storage.md).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from storage import migrate
from storage.db import Database
from storage.migrate import (
    VERSIONS_DIR,
    MigrationError,
    current_revision,
    downgrade,
    head_revision,
    in_migration_transaction,
    pending_model_changes,
    upgrade,
)
from storage.models import Character, Job, JobStatus, Series


async def _table_names(url: str) -> set[str]:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await database.dispose()


async def test_upgrade_from_empty_matches_the_models(empty_url: str) -> None:
    """An empty database upgraded to head has every table and column the models declare."""
    assert await current_revision(empty_url) is None
    if empty_url.startswith("sqlite"):  # looking at a database that isn't there creates nothing
        assert not await asyncio.to_thread(Path(make_url(empty_url).database or "").exists)
    await upgrade(empty_url)
    assert await current_revision(empty_url) == head_revision()
    differences = await pending_model_changes(empty_url)
    assert differences == [], (
        "storage/models.py differs from the migrations; add a revision with "
        f"`python -m storage.migrate revision -m '...'`: {differences}"
    )
    tables = await _table_names(empty_url)
    assert {t.name for t in SQLModel.metadata.sorted_tables} | {"alembic_version"} == tables


async def test_downgrade_to_base_then_upgrade_again(empty_url: str) -> None:
    """Every revision's downgrade undoes its upgrade: base is empty, head is whole again."""
    await upgrade(empty_url)
    await downgrade(empty_url, "base")
    assert await current_revision(empty_url) is None
    assert await _table_names(empty_url) <= {"alembic_version"}
    await upgrade(empty_url)
    assert await pending_model_changes(empty_url) == []


async def test_concurrent_upgrades_from_many_processes_agree(empty_url: str) -> None:
    """The bot and workers all migrate at start; the lock lets one do it and the rest wait."""
    await asyncio.gather(*(upgrade(empty_url) for _ in range(3)))
    assert await current_revision(empty_url) == head_revision()
    assert await pending_model_changes(empty_url) == []


async def test_migrated_database_enforces_foreign_keys_and_stores_enum_values(
    empty_url: str,
) -> None:
    """A character cannot point at a series that doesn't exist; statuses read as words."""
    await upgrade(empty_url)
    database = Database(empty_url)
    try:
        async with database.session() as session:
            session.add(
                Character(guild_id=1, series_id=999, name="Mara", name_key="mara", created_by=1)
            )
            with pytest.raises(IntegrityError):
                await session.commit()
        async with database.session() as session:
            session.add(Series(guild_id=1, name="Nuit", name_key="nuit", created_by=1))
            session.add(
                Job(
                    guild_id=1,
                    kind="take",
                    provider="animatic",
                    requested_by=1,
                    idempotency_key="k",
                )
            )
            await session.commit()
            connection = await session.connection()
            stored = (await connection.execute(text("SELECT status FROM job"))).scalar_one()
            job = (await session.exec(select(Job))).one()
        assert stored == "queued"  # the word, readable in SQL, not the member name
        assert job.status is JobStatus.QUEUED
    finally:
        await database.dispose()


async def test_sqlite_database_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    """The one-machine setup: SQLite in WAL (readers never block the writer), FKs on."""
    url = f"sqlite:///{tmp_path}/dailies.db"
    await upgrade(url)
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    finally:
        await database.dispose()
    assert (mode, fks) == ("wal", 1)


async def test_a_failed_migration_on_sqlite_leaves_nothing_behind(tmp_path: object) -> None:
    """SQLite DDL runs inside the migration's transaction, so a crash half-way rolls back."""
    url = f"sqlite:///{tmp_path}/dailies.db"

    def half_done(connection: object) -> None:
        connection.exec_driver_sql("CREATE TABLE half_done (id INTEGER)")  # type: ignore[attr-defined]
        raise RuntimeError("crash mid-migration")

    with pytest.raises(RuntimeError):
        await in_migration_transaction(url, half_done)
    assert "half_done" not in await _table_names(url)


async def test_older_code_refuses_a_database_from_a_newer_release(empty_url: str) -> None:
    """After a rollback of the code, start-up stops with a clear reason, not a stack of SQL."""
    await upgrade(empty_url)
    database = Database(empty_url)
    try:
        async with database.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        await database.dispose()
    with pytest.raises(MigrationError, match=r"9999.*upgrade Dailies"):
        await upgrade(empty_url)


async def test_an_in_memory_database_is_refused_rather_than_left_empty() -> None:
    """Migrating ``sqlite://`` would migrate a private copy and leave the caller with none."""
    with pytest.raises(MigrationError):
        await upgrade("sqlite://")


def test_revisions_form_one_line_numbered_in_order() -> None:
    """Two engineers adding 0002 at once make two heads; this says so before a server does."""
    head = head_revision()
    names = sorted(p.name for p in VERSIONS_DIR.glob("*.py") if p.name != "__init__.py")
    assert names and all(re.fullmatch(r"\d{4}_[a-z0-9_]+\.py", n) for n in names), names
    assert names[-1].startswith(head)
    assert migrate.next_revision_id() == f"{int(head) + 1:04d}"


def test_check_command_says_models_and_migrations_agree(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m storage.migrate check` is what CI and the dev loop run."""
    assert migrate.main(["check"]) == 0
    assert "agree" in capsys.readouterr().out


def test_offline_sql_renders_postgres_ddl(capsys: pytest.CaptureFixture[str]) -> None:
    """A DBA can read the SQL before it runs: real Postgres types, named constraints."""
    assert migrate.main(["sql", "--url", "postgresql://nobody@localhost/none"]) == 0
    sql = capsys.readouterr().out
    assert "CREATE TABLE job" in sql
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert "CONSTRAINT uq_job_idempotency_key UNIQUE (idempotency_key)" in sql
    assert "CREATE TYPE" not in sql  # statuses are VARCHARs, not native enums
