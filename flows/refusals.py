"""How a flow ends when its stage refuses its input: a Failed run whose message, log and artifact say why.

A refusal is not a crash, so the run returns a Failed state instead of raising: its log carries the
reason in one line, not a traceback, and the UI lists the run as Failed rather than Completed. The
refusal itself is the state's data, so code that calls the flow directly (the CLI, the demo, a parent
flow) gets it raised as before and shows its message to people.
"""

from __future__ import annotations

from prefect import get_run_logger
from prefect.states import Failed, State

from photoflow.errors import PhotoflowError
from tasks.artifacts import publish_refusal


def refused(stage: str, refusal: PhotoflowError, batch_id: int | None = None) -> State:
    """The Failed state to return from `stage`'s flow, after logging and publishing the reason."""
    get_run_logger().error("%s refused its input: %s", stage, refusal)
    publish_refusal(stage, str(refusal), batch_id)
    return Failed(message=str(refusal), data=refusal)
