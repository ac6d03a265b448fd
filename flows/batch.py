"""The per-batch DAG: ingest -> auto review -> manual queue -> similarity -> submit -> print.

Today it runs the first stage, roster ingestion, for every roster file given; later stages join here.
"""

from __future__ import annotations

from prefect import flow

from flows.roster_upload import roster_upload_flow
from schemas.reports import UploadReport


@flow(name="batch")
def batch_flow(
    institution: str,
    category: str,
    rosters: list[str] | None = None,
    learning_centre: str = "",
) -> list[UploadReport]:
    """Run one collection batch (an institution and an education category) through its stages."""
    return [
        roster_upload_flow(path, institution, category, learning_centre=learning_centre)
        for path in rosters or []
    ]
