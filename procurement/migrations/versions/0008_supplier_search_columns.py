"""accent- and case-folded search copies of the supplier registry

The registry pages and `GET /api/suppliers` search the name, the identifiers and the
activity text whatever the accents and the case ("cooperative" finds "Coopérative"), and
sort by the folded name. A provincial registry holds about 100,000 suppliers: the folded
copies are stored, so that a search is one scan of one column and a page is read by the
index of the sort key. Existing rows are filled here, with the function the model uses.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 20:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    from procurement.matching.normalize import SEARCH_FACTS, search_columns

    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
        batch_op.create_index('ix_supplier_search_name', ['search_name'], unique=False)
    supplier = sa.table('supplier', sa.column('id', sa.Integer()),
                        sa.column('search_name', sa.Text()), sa.column('search_text', sa.Text()),
                        *(sa.column(name, sa.Text()) for name in SEARCH_FACTS))
    connection = op.get_bind()
    rows = connection.execute(sa.select(supplier.c.id, *(supplier.c[name]
                                                         for name in SEARCH_FACTS))).all()
    update = (sa.update(supplier).where(supplier.c.id == sa.bindparam('row_id'))
              .values(search_name=sa.bindparam('new_name'),
                      search_text=sa.bindparam('new_text')))
    for start in range(0, len(rows), BATCH):
        values = []
        for row in rows[start:start + BATCH]:
            folded = search_columns(dict(zip(SEARCH_FACTS, row[1:], strict=True)))
            values.append({'row_id': row[0], 'new_name': folded['search_name'],
                           'new_text': folded['search_text']})
        connection.execute(update, values)


def downgrade() -> None:
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.drop_index('ix_supplier_search_name')
        batch_op.drop_column('search_text')
        batch_op.drop_column('search_name')
