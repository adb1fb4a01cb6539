"""inbox: co-unit branch of the handler inbox from indexes; drop two indexes the 0006 ones cover

The inbox's co-unit branch read each co-unit row from the table (a bitmap heap scan: the rows of
one unit are scattered) and then each appeal's heap row only to check that it is open: ~30 ms for
a district at a million appeals. `(unit_id, appeal_id)` makes the first an index-only scan; a
partial index of the open appeals' (id, handle_due_at) — a small, always-cached index — makes
the second one too. ix_appeals_{lead,handling}_status_due are prefixes of the `_id` indexes of
0006_pages: every registration paid for them and no query needs them.

Revision ID: 0007_inbox
Revises: 0006_pages
Create Date: 2026-11-27 01:20:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0007_inbox'
down_revision = '0006_pages'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('registered', 'dispatched', 'in_progress', 'replied')")


def upgrade() -> None:
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_appeals_lead_status_due')
        batch_op.drop_index('ix_appeals_handling_status_due')
    op.create_index('ix_appeals_open_id_due', 'appeals', ['id', 'handle_due_at'], unique=False,
                    postgresql_where=OPEN, sqlite_where=OPEN)
    with op.batch_alter_table('appeal_co_units', schema=None) as batch_op:
        batch_op.create_index('ix_appeal_co_units_unit_appeal', ['unit_id', 'appeal_id'],
                              unique=False)
        batch_op.drop_index('ix_appeal_co_units_unit_id')


def downgrade() -> None:
    with op.batch_alter_table('appeal_co_units', schema=None) as batch_op:
        batch_op.create_index('ix_appeal_co_units_unit_id', ['unit_id'], unique=False)
        batch_op.drop_index('ix_appeal_co_units_unit_appeal')
    op.drop_index('ix_appeals_open_id_due', table_name='appeals')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index('ix_appeals_handling_status_due',
                              ['handling_unit_id', 'status', 'handle_due_at'], unique=False)
        batch_op.create_index('ix_appeals_lead_status_due',
                              ['lead_unit_id', 'status', 'handle_due_at'], unique=False)
