"""Run the web app under uvicorn, with ID numbers masked in the access log (search URLs can carry one)."""

from __future__ import annotations

import logging

import uvicorn

from photoflow import idnumber
from photoflow.review_app.app import create_app
from photoflow.settings import Settings


class MaskIdNumbers(logging.Filter):
    """Rewrites each access-log line with ID-number-like runs masked, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = idnumber.mask_in_text(record.getMessage())
        record.args = ()
        return True


def serve(settings: Settings, *, host: str, port: int) -> None:
    logging.getLogger("uvicorn.access").addFilter(MaskIdNumbers())
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=False)
