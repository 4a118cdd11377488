"""shot search key: the action folded (lower case, no accents) for autocomplete

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 01:28:45.081283
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Types are rendered as plain SQLAlchemy types (TZDateTime -> sa.DateTime(timezone=True),
# AutoString and StrEnum columns -> sa.String): a migration is frozen history and must not
# change when application code does. See storage/migrations/env.py, render_item.

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def _fold(text: str) -> str:
    # A frozen copy of storage.script.fold_for_search as it was when this revision was written.
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))[:2000]


def upgrade() -> None:
    with op.batch_alter_table('shot', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('search_key', sa.String(length=2000), nullable=False, server_default='')
        )
    # Existing shots get their key now, so words find them straight after the upgrade.
    if op.get_context().as_sql:
        # Offline (SQL script) mode cannot read rows back: lower case only, accents stay; the
        # next edit of a shot writes its full key.
        op.execute("UPDATE shot SET search_key = lower(action)")
        return
    conn = op.get_bind()
    shot = sa.table('shot', sa.column('id', sa.Integer), sa.column('action', sa.String),
                    sa.column('search_key', sa.String))  # fmt: skip
    last = 0
    while True:
        rows = conn.execute(
            sa.select(shot.c.id, shot.c.action).where(shot.c.id > last).order_by(shot.c.id)
            .limit(BATCH)
        ).all()  # fmt: skip
        if not rows:
            break
        conn.execute(
            shot.update().where(shot.c.id == sa.bindparam('shot_id'))
            .values(search_key=sa.bindparam('key')),
            [{'shot_id': id_, 'key': _fold(action or '')} for id_, action in rows],
        )  # fmt: skip
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('shot', schema=None) as batch_op:
        batch_op.drop_column('search_key')
