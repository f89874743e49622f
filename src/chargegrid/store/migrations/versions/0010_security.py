"""security: charge point security profiles and rotated passwords, implausible-transaction flags,
issued certificates, security events

Revision ID: 0010_security
Revises: 0009_operations
"""

import sqlalchemy as sa
from alembic import op

from chargegrid.store.models import UTCDateTime

revision = "0010_security"
down_revision = "0009_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("charge_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("security_profile", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("password_hash_next", sa.String(length=200), nullable=True))
    # Chargers that already have a password were at profile 1: keep them from being accepted below it.
    op.execute("UPDATE charge_points SET security_profile = 1 WHERE password_hash IS NOT NULL")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("implausible", sa.String(length=500), nullable=True))
    op.create_table(
        "issued_certificates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("certificate_type", sa.String(length=40), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("not_after", UTCDateTime(), nullable=False),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("serial"),
    )
    op.create_index("ix_cert_cp", "issued_certificates", ["charge_point_id"])
    op.create_index("ix_cert_not_after", "issued_certificates", ["not_after"])
    op.create_table(
        "security_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("tech_info", sa.String(length=500), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sec_time", "security_events", ["timestamp"])
    op.create_index("ix_sec_cp_time", "security_events", ["charge_point_id", "timestamp"])


def downgrade() -> None:
    op.drop_index("ix_sec_cp_time", "security_events")
    op.drop_index("ix_sec_time", "security_events")
    op.drop_table("security_events")
    op.drop_index("ix_cert_not_after", "issued_certificates")
    op.drop_index("ix_cert_cp", "issued_certificates")
    op.drop_table("issued_certificates")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_column("implausible")
    with op.batch_alter_table("charge_points", schema=None) as batch_op:
        batch_op.drop_column("password_hash_next")
        batch_op.drop_column("security_profile")
