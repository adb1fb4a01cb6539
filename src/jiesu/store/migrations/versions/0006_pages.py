"""pages: covering indexes for the handler inbox and the daily closed counts

The inbox reads (id, handle_due_at) of the open appeals led or handled by a unit subtree;
with `id` in the index both branches are index-only scans (the older indexes without it visited
one heap page per appeal: ~1 s for a district at a million appeals). (status, closed_at) lets
the per-day 办结 counts of the statistics and dashboard be index-only range counts.

Revision ID: 0006_pages
Revises: 0001
Create Date: 2026-11-26 23:00:00
"""
from alembic import op


revision = '0006_pages'
down_revision = '0001'
branch_labels = ('pages',)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index('ix_appeals_lead_status_due_id',
                              ['lead_unit_id', 'status', 'handle_due_at', 'id'], unique=False)
        batch_op.create_index('ix_appeals_handling_status_due_id',
                              ['handling_unit_id', 'status', 'handle_due_at', 'id'], unique=False)
        batch_op.create_index('ix_appeals_status_closed', ['status', 'closed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_appeals_status_closed')
        batch_op.drop_index('ix_appeals_handling_status_due_id')
        batch_op.drop_index('ix_appeals_lead_status_due_id')
