"""payments: reservations and processed Stripe webhook events

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-21 22:25:27.138501
"""

import sqlalchemy as sa
from alembic import op

from chargegrid.store.models import UTCDateTime

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_reservations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("charge_tag_id", sa.String(length=50), nullable=False),
        sa.Column("id_tag", sa.String(length=20), nullable=False),
        sa.Column("remote_start_id", sa.Integer(), nullable=False),
        sa.Column("open_connector", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price_per_kwh", sa.String(length=20), nullable=False),
        sa.Column("session_fee", sa.String(length=20), nullable=False),
        sa.Column("max_energy_kwh", sa.String(length=20), nullable=False),
        sa.Column("max_amount_cents", sa.Integer(), nullable=False),
        sa.Column("checkout_session_id", sa.String(length=255), nullable=True),
        sa.Column("checkout_url", sa.Text(), nullable=True),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("amount_authorized_cents", sa.Integer(), nullable=True),
        sa.Column("amount_captured_cents", sa.Integer(), nullable=True),
        sa.Column("final_amount_cents", sa.Integer(), nullable=True),
        sa.Column("energy_kwh", sa.Float(), nullable=True),
        sa.Column("charger_status", sa.String(length=40), nullable=True),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("settlement", sa.String(length=10), nullable=True),
        sa.Column("capture_attempts", sa.Integer(), nullable=False),
        sa.Column("capture_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("payment_deadline", UTCDateTime(), nullable=False),
        sa.Column("start_deadline", UTCDateTime(), nullable=True),
        sa.Column("authorized_at", UTCDateTime(), nullable=True),
        sa.Column("start_requested_at", UTCDateTime(), nullable=True),
        sa.Column("charging_at", UTCDateTime(), nullable=True),
        sa.Column("stop_requested_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("checkout_session_id"),
        sa.UniqueConstraint("id_tag"),
        sa.UniqueConstraint("open_connector"),
        sa.UniqueConstraint("remote_start_id"),
    )
    with op.batch_alter_table("payment_reservations", schema=None) as batch_op:
        batch_op.create_index("ix_pay_res_cp_connector", ["charge_point_id", "connector_id"], unique=False)
        batch_op.create_index("ix_pay_res_settlement", ["settlement"], unique=False)
        batch_op.create_index("ix_pay_res_state", ["state"], unique=False)
        batch_op.create_index("ix_pay_res_transaction", ["transaction_id"], unique=False)

    op.create_table(
        "processed_webhook_events",
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("reservation_id", sa.String(length=36), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )


def downgrade() -> None:
    op.drop_table("processed_webhook_events")
    with op.batch_alter_table("payment_reservations", schema=None) as batch_op:
        batch_op.drop_index("ix_pay_res_transaction")
        batch_op.drop_index("ix_pay_res_state")
        batch_op.drop_index("ix_pay_res_settlement")
        batch_op.drop_index("ix_pay_res_cp_connector")

    op.drop_table("payment_reservations")
