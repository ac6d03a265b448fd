"""How each manual-queue decision was made: a reviewer in the queue, the ops override, auto-approval.

Only a reviewer's decision in the queue teaches auto-approval. Rows decided before this column existed
are told apart by what the queue kept: auto-approval decides as `auto-approval`; a reviewer can only
decide a photo they hold (so `holder` names them) and is the only one who rejects; the ops override
approves photos whoever holds them, usually nobody.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
UPDATE manualreview SET decided_via = CASE
    WHEN decided_by = 'auto-approval' THEN 'auto_approval'
    WHEN decision = 'rejected' OR holder = decided_by THEN 'queue'
    ELSE 'ops_override'
END
WHERE decision IS NOT NULL
"""


def upgrade() -> None:
    with op.batch_alter_table("manualreview", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "decided_via",
                sa.Enum("queue", "ops_override", "auto_approval", name="decisionsource", native_enum=False),
                nullable=True,
            )
        )
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("manualreview", schema=None) as batch_op:
        batch_op.drop_column("decided_via")
