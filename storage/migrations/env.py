"""Alembic's environment for Dailies: async engines, SQLite batch mode, portable type rendering.

There is no alembic.ini: :mod:`storage.migrate` builds the Config in code and, normally, hands
us an open connection in ``config.attributes["connection"]`` (already inside its transaction
and holding the migration lock). Without one (someone ran the ``alembic`` command by hand
with ``-x`` or a Config of their own) we open an async engine ourselves and go through
``connection.run_sync``, as python-discord/metricity does.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Enum, String
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def portable_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """The database type behind an application type, for writing into a migration.

    TZDateTime and sqlmodel's AutoString are Python-side wrappers (TypeDecorator) whose
    database type is their ``impl``; a StrEnum column is a plain VARCHAR (``native_enum``
    is off, see storage/models.py ``choice``). Migrations name only SQLAlchemy's own types so
    that renaming or changing a wrapper never breaks an old revision.
    """
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, Enum) and not type_.native_enum:
        return String(length=type_.length)
    return type_


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    if type_ != "type" or not isinstance(obj, TypeEngine):
        return False
    plain = portable_type(obj)
    if plain is obj or not type(plain).__module__.startswith("sqlalchemy.sql."):
        return False  # Alembic renders its own types (and dialect types) correctly
    return f"sa.{plain!r}"


def configure(connection: Connection | None = None, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table. On Postgres the same
        # batch blocks run as plain ALTERs, so one rendering serves both.
        render_as_batch=True,
        render_item=render_item,
        compare_type=True,
        literal_binds=connection is None,
    )


def run_with_connection(connection: Connection) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    from storage.migrate import in_migration_transaction  # late: migrate imports alembic

    await in_migration_transaction(url, run_with_connection)


if context.is_offline_mode():
    configure(url=config.get_main_option("sqlalchemy.url"))
    with context.begin_transaction():
        context.run_migrations()
else:
    shared = config.attributes.get("connection")
    if shared is not None:
        run_with_connection(shared)
    else:
        asyncio.run(run_with_own_engine(config.get_main_option("sqlalchemy.url") or ""))
