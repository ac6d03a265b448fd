"""`photoflow enrollment`: enrollment photos (录取照片) for the enrollment-photo comparison."""

from __future__ import annotations

import typer

enrollment_app = typer.Typer(no_args_is_help=True, help="Enrollment photos: upload a zip named by ID number.")
