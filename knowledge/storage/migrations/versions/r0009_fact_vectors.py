"""facts.vector: each fact's embedding, made when it is stored (the reading order compares a
question's with it), so that a question costs one encoder pass rather than one per candidate.
Existing facts get NULL and are embedded when a newsroom with the encoder next opens the store.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("facts") as batch:
        batch.add_column(sa.Column("vector", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("facts") as batch:
        batch.drop_column("vector")
