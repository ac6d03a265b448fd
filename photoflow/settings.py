"""All configuration, read once from the environment, with defaults that work on a laptop."""

from __future__ import annotations

import contextlib
import getpass
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from photoflow import storage


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except OSError:  # no login name in some containers
        return "system"


class Settings(BaseSettings):
    """Settings for every entry point; `PHOTOFLOW_*` variables, plus the conventional `DATABASE_URL`."""

    model_config = SettingsConfigDict(env_prefix="PHOTOFLOW_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Uploads, reports, the SQLite file, logs.")
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "PHOTOFLOW_DATABASE_URL"),
        description="SQLAlchemy URL; a SQLite file in the data folder when unset.",
    )
    prefect_home: Path | None = Field(default=None, description="Prefect's home; data_dir/prefect if unset.")
    actor: str = Field(default_factory=_default_actor, description="Who the event log names for CLI actions.")
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="Largest roster file accepted.")
    max_roster_rows: int = Field(default=50_000, gt=0, description="Most student rows in one roster file.")
    max_photo_files: int = Field(default=20_000, gt=0, description="Most files in one photo folder or zip.")
    max_photo_upload_bytes: int = Field(
        default=4 * 1024**3, gt=0, description="Most bytes one photo folder or zip may hold in all."
    )
    photo_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, gt=0, description="Processes reviewing photos at once."
    )
    review_chunk_size: int = Field(default=200, gt=0, description="Photos per stage 1 task run.")
    datasets_dir: Path = Field(
        default=Path(__file__).resolve().parents[2] / "shared" / "datasets",
        description="Real face photos the demo uses by path (never copied into the repository).",
    )
    photo_background: str | None = Field(
        default=None, description="Spec background: light_blue (default), white or light_grey."
    )
    face_model: str = Field(
        default="Dlib", description="deepface model for similarity; Dlib's weights ship offline."
    )
    deepface_home: Path | None = Field(
        default=None, description="Where deepface looks for weights; data_dir/deepface if unset."
    )
    similarity_chunk_size: int = Field(default=500, gt=0, description="Records per stage 3 task run.")
    max_enrollment_photo_bytes: int = Field(
        default=100 * 1024,
        gt=0,
        description="Enrollment photos must be under this size (the platform: 100 KB).",
    )
    id_registry: str | None = Field(
        default=None,
        description="Where ID-registry photos come from: a folder path, or an http(s):// URL of the "
        "registry's photo service. Unset: records needing the ID-registry comparison wait.",
    )
    id_registry_token: SecretStr | None = Field(
        default=None, description="Bearer token for the HTTP registry."
    )
    id_registry_timeout_s: float = Field(default=10.0, gt=0, description="Per request to the HTTP registry.")
    review_lease_minutes: int = Field(
        default=15, gt=0, le=24 * 60, description="How long a reviewer holds claimed photos untouched."
    )
    review_claim_size: int = Field(default=10, gt=0, le=200, description="Photos a reviewer claims at once.")
    review_sla_days: tuple[int, int] = Field(
        default=(1, 3), description="Manual review age (days) after which an item is due, then overdue."
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs session cookies; a random one is kept in data_dir/session_secret if unset.",
    )
    session_hours: int = Field(default=12, gt=0, le=24 * 30, description="How long a login lasts.")
    secure_cookies: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (set it behind TLS)."
    )
    login_failures_per_name: int = Field(
        default=5, gt=0, description="Failed logins for one name within the window before it is refused."
    )
    login_failures_per_client: int = Field(
        default=20, gt=0, description="Failed logins from one address within the window before it is refused."
    )
    login_window_minutes: int = Field(
        default=15, gt=0, description="The window failed logins are counted in."
    )
    smtp_host: str | None = Field(
        default=None, description="Mail server for student notices; unset: notices wait in the outbox."
    )
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        default="none", description="none, starttls (port 587) or ssl (port 465)."
    )
    smtp_user: str | None = Field(default=None, description="Login name, if the server wants one.")
    smtp_password: SecretStr | None = None
    smtp_sender: str = Field(default="photoflow@localhost", description="The From address of notices.")
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    notify_max_tries: int = Field(default=12, gt=0, description="Tries before a notice is given up.")
    notify_retry_s: float = Field(
        default=60.0, gt=0, description="Wait before the first retry of a notice; doubles each time."
    )
    notify_retry_max_s: float = Field(default=3600.0, gt=0, description="Longest wait between retries.")
    registry_url: str | None = Field(
        default=None, description="Base URL of the registry's submission API; unset: submissions wait."
    )
    registry_token: SecretStr | None = Field(default=None, description="Bearer token for the registry.")
    registry_timeout_s: float = Field(default=30.0, gt=0, description="Per request to the registry.")
    registry_tries: int = Field(
        default=5, gt=0, description="Tries of one request within a run (transient faults only)."
    )
    registry_backoff_s: float = Field(
        default=1.0, ge=0, description="First wait between tries of one request; doubles, with jitter."
    )
    registry_backoff_max_s: float = Field(default=30.0, ge=0, description="Longest wait between tries.")
    registry_package_size: int = Field(default=50, gt=0, le=500, description="Photos per package sent.")
    registry_rounds: int = Field(
        default=8, gt=0, description="Runs that may fail to reach the registry before a submission gives up."
    )
    registry_retry_s: float = Field(
        default=300.0, ge=0, description="Wait before a later run sends again after a failed round; doubles."
    )
    registry_poll_s: float = Field(default=2.0, ge=0, description="Wait between polls of pending answers.")
    registry_poll_rounds: int = Field(
        default=30, ge=0, description="Polls a submission run makes before leaving the rest to reconcile."
    )
    download_attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        gt=0,
        description="Largest download package sent as an e-mail attachment; larger ones are sent as a path.",
    )
    task_runner: Literal["local", "dask"] = Field(
        default="local",
        description="Where the photo stages' chunks run: local (this process and its worker pool) or dask.",
    )
    dask_address: str | None = Field(
        default=None,
        description="A Dask scheduler (tcp://host:8786) for task_runner=dask; unset: a LocalCluster here.",
    )
    dask_workers: int = Field(
        default=2, gt=0, description="Worker processes of the LocalCluster when no dask_address is set."
    )
    auto_approve_threshold: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Screened photos whose combined score reaches this skip the manual queue; unset: off.",
    )
    approval_min_history: int = Field(
        default=100,
        gt=0,
        description="Reviewers' queue decisions on screened photos needed before auto-approval can start.",
    )
    approval_held_back_percent: int = Field(
        default=20, ge=1, le=50, description="Share of past decisions kept back to check auto-approval."
    )
    print_font: Path | None = Field(
        default=None,
        description="A font with Chinese glyphs for print labels; fc-match finds one if unset.",
    )

    @property
    def deepface_dir(self) -> Path:
        return self.deepface_home or storage.deepface_dir(self.data_dir)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{storage.sqlite_file(self.data_dir).resolve()}"


def normalise_database_url(url: str) -> str:
    """Accept the `postgresql://` form people paste and route it through psycopg 3, the driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


PRIVATE_UMASK = 0o077  # what the project writes: folders 700, files 600


@lru_cache
def get_settings() -> Settings:
    """The settings, read once per process. Every entry point (the CLI, so the web app too, and each
    flow run a Prefect worker starts) learns the data folder here, so this is where it is kept private."""
    settings = Settings()
    keep_private(settings.data_dir)
    return settings


def keep_private(data_dir: Path) -> None:
    """Make everything this process and the processes it starts write readable by its owner only.

    The data folder holds roster copies with ID numbers, photos, exports and the SQLite file. A folder
    made earlier with the usual 755 is closed to 700, which shuts off what it already holds too; one
    owned by another account is left as they set it.
    """
    os.umask(PRIVATE_UMASK)
    if data_dir.is_dir():
        with contextlib.suppress(PermissionError):
            data_dir.chmod(storage.PRIVATE_FOLDER_MODE)


def configure_prefect(settings: Settings) -> None:
    """Point Prefect at our data folder and keep it offline; must run before `prefect` is imported."""
    home = settings.prefect_home or storage.prefect_dir(settings.data_dir)
    home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "PREFECT_HOME": str(home.resolve()),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
