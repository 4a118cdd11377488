"""Schema migrations, run from code: ``dailies migrate``, bot start-up, tests and the dev loop.

The Alembic scripts ship inside the package (storage/migrations/), and the Alembic Config is
built here, so ``pip install dailies`` is all a server needs; there is no alembic.ini.

Public API (what the CLI and the bot use)::

    await upgrade(url)              # to head; safe to call from every process at start
    upgrade_sync(url)               # the same outside an event loop (CLI)
    await current_revision(url)     # None on an empty database
    head_revision()                 # what this code expects
    await pending_model_changes(url)  # [] when the database matches storage/models.py

Dev loop (see docs/storage.md)::

    python -m storage.migrate revision -m "add shot notes"   # autogenerate the next revision
    python -m storage.migrate check                           # do migrations match the models?
    python -m storage.migrate upgrade --url sqlite:///data/dailies.db
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from storage.db import normalise_url, set_wal

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"

# pg_advisory_xact_lock key: "dail" in ASCII. The bot and every worker call upgrade() at start;
# the lock makes the first one migrate and the others wait, then find nothing left to do.
MIGRATION_LOCK_KEY = 0x6461696C

T = TypeVar("T")


class MigrationError(RuntimeError):
    """The database could not be brought to the schema this code expects."""


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # "%" is ConfigParser's interpolation marker; passwords may contain it.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migration_engine(url: str) -> AsyncEngine:
    """An engine for schema changes only: one connection, transactional DDL on SQLite too.

    On SQLite, foreign keys are OFF while migrating (batch mode drops and re-creates tables,
    which with foreign keys on would cascade-delete children) and are checked at the end; the
    transaction starts with BEGIN IMMEDIATE so a second process waits instead of interleaving.
    """
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return create_async_engine(url, poolclass=NullPool)
    database = make_url(url).database
    if not database or database == ":memory:":
        # Our connection would get its own empty in-memory database, not the caller's.
        raise MigrationError("an in-memory SQLite database cannot be migrated; use a file")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver (it does not wrap DDL in one).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        set_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def in_migration_transaction(url: str, work: Callable[[Connection], T]) -> T:
    """Run ``work`` on a sync connection, inside one transaction that holds the migration lock."""
    engine = migration_engine(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(_locked, work)
    finally:
        await engine.dispose()


def _locked(connection: Connection, work: Callable[[Connection], T]) -> T:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    result = work(connection)
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise MigrationError(f"foreign keys broken after migrating: {broken[:5]}")
    return result


def _with_config(url: str, action: Callable[[Config], Any]) -> Callable[[Connection], None]:
    def work(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        action(config)

    return work


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (default: this code's head)."""
    before = await current_revision(url)
    known = {script.revision for script in _scripts().walk_revisions()}
    if before is not None and before not in known:
        # A newer Dailies migrated this database; this older code must not run against it.
        raise MigrationError(
            f"the database is at revision {before}, which this version of Dailies does not "
            f"know (its newest is {head_revision()}): upgrade Dailies instead"
        )
    await in_migration_transaction(url, _with_config(url, lambda c: command.upgrade(c, revision)))
    after = await current_revision(url)
    if before != after:
        log.info("database migrated from %s to %s", before or "empty", after)


async def downgrade(url: str, revision: str) -> None:
    """Step the schema back to ``revision`` ("base" drops every table). Data goes with it."""
    await in_migration_transaction(url, _with_config(url, lambda c: command.downgrade(c, revision)))


def upgrade_sync(url: str, revision: str = "head") -> None:
    """``upgrade`` for callers without an event loop (the CLI). Not from inside a loop."""
    asyncio.run(upgrade(url, revision))


async def current_revision(url: str) -> str | None:
    """The revision the database is at; None when it has never been migrated."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    database = make_url(normalise_url(url)).database
    if url.startswith("sqlite") and database and not await asyncio.to_thread(Path(database).exists):
        return None  # asking must not create the file (``dailies doctor`` only looks)
    engine = migration_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


def current_revision_sync(url: str) -> str | None:
    return asyncio.run(current_revision(url))


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision shipped with this code. Two heads is a merge someone forgot."""
    heads = _scripts().get_heads()
    if len(heads) != 1:
        raise MigrationError(f"expected one migration head, found {sorted(heads)}")
    return heads[0]


async def pending_model_changes(url: str) -> list[Any]:
    """What storage/models.py has that the database at ``url`` lacks (Alembic's diff list)."""

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return list(compare_metadata(context, SQLModel.metadata))

    engine = migration_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(diff)
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------- dev commands


def next_revision_id() -> str:
    """Revisions are numbered 0001, 0002...: readable, and the order is the file order."""
    numbers = [
        int(match.group(1))
        for path in VERSIONS_DIR.glob("*.py")
        if (match := re.match(r"(\d{4})_", path.name))
    ]
    return f"{max(numbers, default=0) + 1:04d}"


def make_revision(message: str) -> Path | None:
    """Autogenerate the next revision from storage/models.py; None when nothing changed.

    It diffs the models against a scratch SQLite upgraded to head, so it needs no server.
    Read what it wrote before committing: Alembic cannot see renames (it drops and adds).
    """
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/autogenerate.db"
        upgrade_sync(url)
        if not asyncio.run(pending_model_changes(url)):
            return None
        rev_id = next_revision_id()

        def write(config: Config) -> None:
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id)

        asyncio.run(in_migration_transaction(url, _with_config(url, write)))
    written = sorted(VERSIONS_DIR.glob(f"{rev_id}_*.py"))
    return written[0] if written else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storage.migrate", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    up = sub.add_parser("upgrade", help="migrate a database to head")
    up.add_argument("--url", required=True)
    up.add_argument("--to", default="head")
    down = sub.add_parser("downgrade", help="step a database back (loses data)")
    down.add_argument("--url", required=True)
    down.add_argument("--to", required=True)
    cur = sub.add_parser("current", help="print a database's revision")
    cur.add_argument("--url", required=True)
    rev = sub.add_parser("revision", help="autogenerate the next revision from the models")
    rev.add_argument("-m", "--message", required=True)
    sub.add_parser("check", help="exit 1 if the models differ from the migrations")
    sub.add_parser("heads", help="print the head revision")
    sql = sub.add_parser("sql", help="print the upgrade SQL for a dialect, without running it")
    sql.add_argument("--url", required=True, help="e.g. postgresql://x/y (not connected to)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if args.action == "upgrade":
        upgrade_sync(args.url, args.to)
        print(current_revision_sync(args.url))
    elif args.action == "downgrade":
        asyncio.run(downgrade(args.url, args.to))
        print(current_revision_sync(args.url))
    elif args.action == "current":
        print(current_revision_sync(args.url) or "(empty)")
    elif args.action == "heads":
        print(head_revision())
    elif args.action == "sql":
        command.upgrade(alembic_config(args.url), "head", sql=True)
    elif args.action == "revision":
        path = make_revision(args.message)
        print(path or "models and migrations agree: no revision written")
    elif args.action == "check":
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite:///{scratch}/check.db"
            upgrade_sync(url)
            changes = asyncio.run(pending_model_changes(url))
        for change in changes:
            print(change)
        if changes:
            print("models differ from migrations: python -m storage.migrate revision -m '...'")
            return 1
        print("models and migrations agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
