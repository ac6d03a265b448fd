"""Errors meant for people: what was wrong and what to do; the CLI shows them without a traceback."""

from __future__ import annotations


class PhotoflowError(Exception):
    """Base for errors whose message is safe and useful to show to the user as it is."""


class NotFoundError(PhotoflowError):
    pass


class NoActiveContractError(PhotoflowError):
    pass


class IllegalTransitionError(PhotoflowError):
    pass
