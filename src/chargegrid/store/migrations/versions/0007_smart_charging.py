"""smart charging: charging profiles per charger, chargers' rate units, sites

Revision ID: 0007_smart_charging
Revises: 0006_device_model
"""

import sqlalchemy as sa
from alembic import op

from chargegrid.store.models import UTCDateTime

revision = "0007_smart_charging"
down_revision = "0006_device_model"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "charging_profiles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("connector", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("stack_level", sa.Integer(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("limit_source", sa.String(length=20), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["charge_point_id"], ["charge_points.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_profiles_cp_source", "charging_profiles", ["charge_point_id", "source"])
    op.create_table(
        "charger_rate_units",
        sa.Column("charge_point_id", sa.String(length=48), nullable=False),
        sa.Column("units", sa.String(length=10), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["charge_point_id"], ["charge_points.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("charge_point_id"),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("sites")
    op.drop_table("charger_rate_units")
    op.drop_index("ix_profiles_cp_source", table_name="charging_profiles")
    op.drop_table("charging_profiles")
