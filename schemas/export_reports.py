"""What an export job reports: printed as text for people, as JSON with `--json`, shown by the web app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ExportOut(BaseModel):
    """One export record as people see it; `filters` is the `RecordFilter` the rows were chosen by."""

    id: int
    batch_id: int
    filters: dict[str, Any]
    status: str
    status_label: str
    rows: int | None = Field(description="Rows in the workbook, once done.")
    path: str | None = Field(
        description="The workbook relative to the data folder (PHOTOFLOW_DATA_DIR), once done; relative in "
        "the database and the flow's result, so moving the folder moves it. `--json` prints it in full."
    )
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    error: str | None = Field(description="Why the export failed, for people.")
