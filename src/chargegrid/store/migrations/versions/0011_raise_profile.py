"""raise_profile: a charge point's pending security profile (raised, not yet connected at)

Revision ID: 0011_raise_profile
Revises: 0010_security
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_raise_profile"
down_revision = "0010_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("charge_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("security_profile_pending", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("charge_points", schema=None) as batch_op:
        batch_op.drop_column("security_profile_pending")
