"""`photoflow enrollment`: enrollment photos (录取照片) for the enrollment-photo comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from photoflow.cli.options import BatchOption, JsonOption, WideOption

enrollment_app = typer.Typer(no_args_is_help=True, help="Enrollment photos: upload a zip named by ID number.")


@enrollment_app.command("upload")
def enrollment_upload(
    zip_file: Annotated[
        Path,
        typer.Argument(
            metavar="ZIP", help="One .zip of enrollment photos named <证件号>.jpg, each under 100 KB."
        ),
    ],
    batch: BatchOption,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Keep each photo as its student's enrollment photo; list every file not accepted and why."""
    from photoflow.cli.enrollment_output import show_enrollment_upload
    from photoflow.cli.output import emit_json
    from photoflow.database import default_engine
    from photoflow.settings import get_settings
    from photoflow.similarity.enrollment import upload_enrollment_photos

    settings = get_settings()
    report = upload_enrollment_photos(
        default_engine(), settings, batch_id=batch, source=zip_file, actor=settings.actor
    )
    emit_json(report) if as_json else show_enrollment_upload(report, wide=wide)


@enrollment_app.command("list")
def enrollment_list(batch: BatchOption, as_json: JsonOption = False) -> None:
    """List the batch's enrollment uploads with their totals."""
    from photoflow.cli.enrollment_output import show_enrollment_uploads
    from photoflow.cli.output import emit_json_list
    from photoflow.database import default_engine
    from photoflow.similarity.enrollment import list_enrollment_uploads

    reports = list_enrollment_uploads(default_engine(), batch)
    emit_json_list(reports) if as_json else show_enrollment_uploads(reports)
