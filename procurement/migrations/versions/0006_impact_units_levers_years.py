"""impact in units, levers, fiscal years and targets, dated threshold history

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-27 17:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('regulatory_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('threshold_history', sa.JSON(), nullable=False,
                                      server_default='[]'))
        batch_op.add_column(sa.Column('impact_coefficients', sa.JSON(), nullable=False,
                                      server_default='{}'))
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('se_target_share', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('se_target_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fiscal_year_start_month', sa.Integer(), nullable=False,
                                      server_default='1'))
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fiscal_year', sa.Integer(), nullable=True))
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('annual_turnover', sa.Numeric(precision=14, scale=2),
                                      nullable=True))
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fiscal_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('impact_units', sa.JSON(), nullable=False,
                                      server_default='{}'))
        batch_op.add_column(sa.Column('levers', sa.JSON(), nullable=False,
                                      server_default='[]'))
        batch_op.add_column(sa.Column('regulatory', sa.JSON(), nullable=False,
                                      server_default='{}'))
        batch_op.add_column(sa.Column('warnings', sa.JSON(), nullable=False,
                                      server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        for name in ('warnings', 'regulatory', 'levers', 'impact_units', 'fiscal_year'):
            batch_op.drop_column(name)
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.drop_column('annual_turnover')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_column('fiscal_year')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        for name in ('fiscal_year_start_month', 'se_target_year', 'se_target_share'):
            batch_op.drop_column(name)
    with op.batch_alter_table('regulatory_profile', schema=None) as batch_op:
        batch_op.drop_column('impact_coefficients')
        batch_op.drop_column('threshold_history')
