"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 22:18:22.597281
"""

import sqlalchemy as sa
from alembic import op

from chargegrid.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "charge_points",
        sa.Column("id", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("registration_status", sa.String(length=16), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=True),
        sa.Column("vendor", sa.String(length=50), nullable=True),
        sa.Column("model", sa.String(length=50), nullable=True),
        sa.Column("serial_number", sa.String(length=50), nullable=True),
        sa.Column("firmware_version", sa.String(length=50), nullable=True),
        sa.Column("iccid", sa.String(length=20), nullable=True),
        sa.Column("imsi", sa.String(length=20), nullable=True),
        sa.Column("meter_type", sa.String(length=50), nullable=True),
        sa.Column("meter_serial_number", sa.String(length=50), nullable=True),
        sa.Column("last_boot", UTCDateTime(), nullable=True),
        sa.Column("last_heartbeat", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("price_per_kwh", sa.Float(), nullable=True),
        sa.Column("max_session_kwh", sa.Float(), nullable=True),
        sa.Column("session_fee", sa.Float(), nullable=True),
        sa.Column("configuration", sa.JSON(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=True),
        sa.Column("setting_results", sa.JSON(), nullable=True),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("opening_times", sa.JSON(), nullable=True),
        sa.Column("reservable", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "charge_tags",
        sa.Column("tag_id", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("parent_tag_id", sa.String(length=50), nullable=True),
        sa.Column("expiry", UTCDateTime(), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tag_id"),
    )
    op.create_table(
        "charger_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("charger_events", schema=None) as batch_op:
        batch_op.create_index("ix_ce_cp_time", ["charge_point_id", "timestamp"], unique=False)

    op.create_table(
        "message_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("message_type", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("message_log", schema=None) as batch_op:
        batch_op.create_index("ix_ml_cp_time", ["charge_point_id", "timestamp"], unique=False)

    op.create_table(
        "meter_values",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("measurand", sa.String(length=50), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=True),
        sa.Column("context", sa.String(length=30), nullable=True),
        sa.Column("location", sa.String(length=10), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meter_values", schema=None) as batch_op:
        batch_op.create_index("ix_mv_cp_time", ["charge_point_id", "timestamp"], unique=False)
        batch_op.create_index("ix_mv_tx", ["transaction_id"], unique=False)

    op.create_table(
        "transaction_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("charger_transaction_id", sa.String(length=36), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=10), nullable=False),
        sa.Column("trigger_reason", sa.String(length=40), nullable=True),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("charge_point_id", "charger_transaction_id", "seq_no", name="uq_tx_event_seq"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "connector_status",
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("error_code", sa.String(length=50), nullable=True),
        sa.Column("info", sa.String(length=100), nullable=True),
        sa.Column("vendor_error_code", sa.String(length=50), nullable=True),
        sa.Column("status_time", UTCDateTime(), nullable=True),
        sa.Column("meter_kwh", sa.Float(), nullable=True),
        sa.Column("power_kw", sa.Float(), nullable=True),
        sa.Column("soc", sa.Float(), nullable=True),
        sa.Column("meter_value_time", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["charge_point_id"], ["charge_points.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("charge_point_id", "connector_id"),
    )
    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("charger_transaction_id", sa.String(length=36), nullable=True),
        sa.Column("start_tag_id", sa.String(length=50), nullable=True),
        sa.Column("start_time", UTCDateTime(), nullable=False),
        sa.Column("meter_start", sa.Float(), nullable=True),
        sa.Column("stop_tag_id", sa.String(length=50), nullable=True),
        sa.Column("stop_time", UTCDateTime(), nullable=True),
        sa.Column("meter_stop", sa.Float(), nullable=True),
        sa.Column("stop_reason", sa.String(length=40), nullable=True),
        sa.Column("reservation_id", sa.Integer(), nullable=True),
        sa.Column("remote_start_id", sa.Integer(), nullable=True),
        sa.Column("last_meter_kwh", sa.Float(), nullable=True),
        sa.Column("last_power_kw", sa.Float(), nullable=True),
        sa.Column("last_soc", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["charge_point_id"], ["charge_points.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("charge_point_id", "charger_transaction_id", name="uq_tx_charger_id"),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tx_cp_connector_open", ["charge_point_id", "connector_id", "stop_time"], unique=False
        )
        batch_op.create_index("ix_tx_start_time", ["start_time"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_tx_start_time")
        batch_op.drop_index("ix_tx_cp_connector_open")

    op.drop_table("transactions")
    op.drop_table("connector_status")
    op.drop_table("users")
    op.drop_table("transaction_events")
    with op.batch_alter_table("meter_values", schema=None) as batch_op:
        batch_op.drop_index("ix_mv_tx")
        batch_op.drop_index("ix_mv_cp_time")

    op.drop_table("meter_values")
    with op.batch_alter_table("message_log", schema=None) as batch_op:
        batch_op.drop_index("ix_ml_cp_time")

    op.drop_table("message_log")
    with op.batch_alter_table("charger_events", schema=None) as batch_op:
        batch_op.drop_index("ix_ce_cp_time")

    op.drop_table("charger_events")
    op.drop_table("charge_tags")
    op.drop_table("charge_points")
