"""capability evidence, decisions, other registries' identifiers, merge log, payee ids, award evidence

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 17:55:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prospects', sa.JSON(), nullable=False,
                                      server_default='[]'))
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capability_evidence', sa.String(length=20),
                                      nullable=True))
        batch_op.add_column(sa.Column('capability_detail', sa.JSON(), nullable=False,
                                      server_default='{}'))
    with op.batch_alter_table('purchase_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier_ids', sa.JSON(), nullable=False,
                                      server_default='{}'))
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('siret', sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column('company_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('charity_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('country', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('activity_code', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_supplier_siret'), ['siret'], unique=False)

    with op.batch_alter_table('supplier_category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence', sa.String(length=20), nullable=False,
                                      server_default='name'))
        batch_op.add_column(sa.Column('evidence_detail', sa.JSON(), nullable=False,
                                      server_default='{}'))
        batch_op.add_column(sa.Column('decision', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_supplier_category_decided_by', 'user_account',
                                    ['decided_by_id'], ['id'])
    # Pairs a person confirmed before this revision keep their word.
    op.execute("UPDATE supplier_category SET decision = 'confirmed', evidence = 'confirmed' "
               "WHERE confirmed")
    with op.batch_alter_table('supplier_category', schema=None) as batch_op:
        batch_op.drop_column('confirmed')

    op.create_table('supplier_merge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('matched_on', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['import_batch.id'], ),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['undone_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supplier_merge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_merge_import_id'), ['import_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_supplier_merge_supplier_id'), ['supplier_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('supplier_merge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_merge_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_supplier_merge_import_id'))
    op.drop_table('supplier_merge')
    with op.batch_alter_table('supplier_category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE supplier_category SET confirmed = (decision = 'confirmed')")
    with op.batch_alter_table('supplier_category', schema=None) as batch_op:
        batch_op.drop_constraint('fk_supplier_category_decided_by', type_='foreignkey')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('decision')
        batch_op.drop_column('evidence_detail')
        batch_op.drop_column('evidence')
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_siret'))
        batch_op.drop_column('activity_code')
        batch_op.drop_column('country')
        batch_op.drop_column('charity_number')
        batch_op.drop_column('company_number')
        batch_op.drop_column('siret')
    with op.batch_alter_table('purchase_line', schema=None) as batch_op:
        batch_op.drop_column('supplier_ids')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_column('capability_detail')
        batch_op.drop_column('capability_evidence')
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_column('prospects')
