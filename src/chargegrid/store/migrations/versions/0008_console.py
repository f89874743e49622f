"""console: user roles admin/operator/viewer, and each user's language and time zone

Revision ID: 0008_console
Revises: 0007_smart_charging
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_console"
down_revision = "0007_smart_charging"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    # The old read-only role "user" is what "viewer" means now.
    op.execute("UPDATE users SET role = 'viewer' WHERE role = 'user'")


def downgrade() -> None:
    op.execute("UPDATE users SET role = 'user' WHERE role IN ('viewer', 'operator')")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
        batch_op.drop_column("language")
