"""one stored import per content (a unique index), and the signed head of the audit chain

Two uploads of the same data at once could both be stored (the duplicate check ran
before the insert, in two transactions). The database now holds one imported batch per
municipality (0 for the registry), kind and content hash. Copies already stored by an
older version keep their lines but are marked `duplicate`, the oldest stays `imported`,
so that the index can be built on any database; a person decides what to do with them
(the imports list filters by status).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 18:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

IMPORTED = sa.text("status = 'imported'")


def upgrade() -> None:
    op.execute(
        "UPDATE import_batch SET status = 'duplicate' "
        "WHERE status = 'imported' AND content_hash IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM import_batch AS older WHERE older.status = 'imported' "
        "AND older.kind = import_batch.kind "
        "AND coalesce(older.organization_id, 0) = coalesce(import_batch.organization_id, 0) "
        "AND older.content_hash = import_batch.content_hash AND older.id < import_batch.id)")
    op.create_index('uq_import_batch_imported_content', 'import_batch',
                    [sa.text('coalesce(organization_id, 0)'), 'kind', 'content_hash'],
                    unique=True, sqlite_where=IMPORTED, postgresql_where=IMPORTED)
    op.create_table('audit_anchor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('audit_anchor')
    op.drop_index('uq_import_batch_imported_content', table_name='import_batch')
