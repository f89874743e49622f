"""operations: reservations, local lists, log and firmware requests, installed certificates

Revision ID: 0009_operations
Revises: 0008_console
Create Date: 2026-11-30 13:53:26.293005
"""

import sqlalchemy as sa
from alembic import op

from chargegrid.store.models import UTCDateTime

revision = "0009_operations"
down_revision = "0008_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "charger_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("topic", sa.String(length=12), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=True),
        sa.Column("answer_status", sa.String(length=30), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("status_time", UTCDateTime(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("charger_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_charger_requests_cp_topic", ["charge_point_id", "topic", "request_id"], unique=False
        )

    op.create_table(
        "installed_certificates",
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("hash_algorithm", sa.String(length=8), nullable=False),
        sa.Column("issuer_name_hash", sa.String(length=128), nullable=False),
        sa.Column("issuer_key_hash", sa.String(length=128), nullable=False),
        sa.Column("serial_number", sa.String(length=40), nullable=False),
        sa.Column("certificate_type", sa.String(length=40), nullable=True),
        sa.Column("child_certificates", sa.JSON(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "charge_point_id", "hash_algorithm", "issuer_name_hash", "issuer_key_hash", "serial_number"
        ),
    )
    op.create_table(
        "local_list_state",
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("sent_version", sa.Integer(), nullable=True),
        sa.Column("sent_update_type", sa.String(length=12), nullable=True),
        sa.Column("sent_status", sa.String(length=20), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_version", sa.Integer(), nullable=True),
        sa.Column("entries", sa.JSON(), nullable=True),
        sa.Column("reported_version", sa.Integer(), nullable=True),
        sa.Column("reported_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("charge_point_id"),
    )
    op.create_table(
        "reservations",
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("id_tag", sa.String(length=50), nullable=False),
        sa.Column("group_id_tag", sa.String(length=50), nullable=True),
        sa.Column("connector_type", sa.String(length=20), nullable=True),
        sa.Column("expiry", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("charge_point_id", "reservation_id"),
    )
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index("ix_reservations_state", ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_state")

    op.drop_table("reservations")
    op.drop_table("local_list_state")
    op.drop_table("installed_certificates")
    with op.batch_alter_table("charger_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_charger_requests_cp_topic")

    op.drop_table("charger_requests")
