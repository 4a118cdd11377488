"""one active premiere per episode: a partial unique index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 05:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of storage.models.PREMIERE_ACTIVE_SQL as it was when this revision was written.
ACTIVE = "status IN ('scheduled', 'postponed', 'firing')"


def upgrade() -> None:
    # Before the index exists, an older race may have left two active premieres for one
    # episode: keep the earliest and cancel the others, with a note saying why.
    op.execute(
        sa.text(
            "UPDATE premiere SET status = 'cancelled', "
            "note = 'cancelled by migration 0004: the episode had another premiere' "
            f"WHERE {ACTIVE} AND id NOT IN (SELECT MIN(id) FROM premiere "
            f"WHERE {ACTIVE} GROUP BY guild_id, episode_id)"
        )
    )
    with op.batch_alter_table("premiere", schema=None) as batch_op:
        batch_op.create_index(
            "uq_premiere_active_episode",
            ["guild_id", "episode_id"],
            unique=True,
            sqlite_where=sa.text(ACTIVE),
            postgresql_where=sa.text(ACTIVE),
        )


def downgrade() -> None:
    with op.batch_alter_table("premiere", schema=None) as batch_op:
        batch_op.drop_index("uq_premiere_active_episode")
