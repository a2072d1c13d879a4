"""data versions: a counter per table and municipality, moved by every write

Read models a process keeps (the dashboard's figures, a proposal's API answer) are keyed by
the versions of the tables they read; every write moves them in its own transaction.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 23:50:00
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'data_version',
        sa.Column('scope', sa.String(length=80), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('scope'),
    )
    # "*" is read with every kept read model: starting it at a random number makes the
    # keys of two databases differ (one process serving another database, or this one
    # created again, never finds the other's read models).
    table = sa.table('data_version', sa.column('scope', sa.String()),
                     sa.column('version', sa.BigInteger()))
    op.bulk_insert(table, [{'scope': '*', 'version': secrets.randbits(62)}])


def downgrade() -> None:
    op.drop_table('data_version')
