"""Run the web app under uvicorn, with ID numbers masked in the access log (search URLs can carry one)."""

from __future__ import annotations

import logging

import uvicorn

from photoflow import idnumber
from photoflow.settings import Settings
from photoflow.web.app import create_app


class MaskIdNumbers(logging.Filter):
    """Masks ID-number-like runs in each access-log record's arguments (the path with its query),
    before any handler formats it; uvicorn's formatter needs the arguments kept as a tuple."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                idnumber.mask_in_text(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        record.msg = idnumber.mask_in_text(str(record.msg))
        return True


def serve(settings: Settings, *, host: str, port: int) -> None:
    logging.getLogger("uvicorn.access").addFilter(MaskIdNumbers())
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=False)
