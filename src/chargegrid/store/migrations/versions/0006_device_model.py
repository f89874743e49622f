"""device model: the variable inventory per station and the parts of multi-part reports

Revision ID: 0006_device_model
Revises: 0005_integrations
"""

import sqlalchemy as sa
from alembic import op

from chargegrid.store.models import UTCDateTime

revision = "0006_device_model"
down_revision = "0005_integrations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_variables",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("component", sa.String(length=50), nullable=False),
        sa.Column("component_instance", sa.String(length=50), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("variable", sa.String(length=50), nullable=False),
        sa.Column("variable_instance", sa.String(length=50), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("characteristics", sa.JSON(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_dv_cp_component_variable", "device_variables", ["charge_point_id", "component", "variable"]
    )
    op.create_table(
        "report_parts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("tbc", sa.Boolean(), nullable=False),
        sa.Column("generated_at", UTCDateTime(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rp_cp_kind_request", "report_parts", ["charge_point_id", "kind", "request_id"])


def downgrade() -> None:
    op.drop_index("ix_rp_cp_kind_request", table_name="report_parts")
    op.drop_table("report_parts")
    op.drop_index("ix_dv_cp_component_variable", table_name="device_variables")
    op.drop_table("device_variables")
