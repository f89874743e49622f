"""command records: the operator API's posted commands and their outcomes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 22:25:29.467417
"""

import sqlalchemy as sa
from alembic import op

from chargegrid.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "command_records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("command_records", schema=None) as batch_op:
        batch_op.create_index("ix_cmd_cp_created", ["charge_point_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("command_records", schema=None) as batch_op:
        batch_op.drop_index("ix_cmd_cp_created")
    op.drop_table("command_records")
