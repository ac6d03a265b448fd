"""The per-batch DAG: ingest -> auto review -> screening -> manual queue -> similarity -> submit -> print.

It runs roster ingestion for every roster file given, photo intake for every photo folder or zip
given, stage 1 on every attempt still waiting for it, screening of every photo entering the manual
queue (auto-approving the clearly good ones when ops set a threshold), stage 3 on every record
approved into comparison, registry submission of every collected record, the print order once nothing is left
in review (when a print layout is given), then delivers the notices the rejections queued. The manual
queue is worked by people between runs; the scheduled advance flow, or a rerun of this one, carries
their decisions on. A run with no files finishes what an interrupted run left and repeats nothing.
"""

from __future__ import annotations

from typing import cast

from prefect import flow
from prefect.states import State

from flows.auto_review import auto_review_flow
from flows.notifications import notifications_flow
from flows.photo_intake import photo_intake_flow
from flows.print_order import print_order_flow
from flows.refusals import refused
from flows.roster_upload import roster_upload_flow
from flows.screening import screening_flow
from flows.similarity import similarity_flow
from flows.subflows import parent_heartbeat_only
from flows.submission import submission_flow
from photoflow.errors import PhotoflowError
from photoflow.printing.batch_order import BatchPrint
from photoflow.printing.orders import check_print_request
from photoflow.roster.ingest import RosterRefused
from photoflow.settings import get_settings
from schemas.reports import PhotoIntakeOutcome, UploadReport
from schemas.run_reports import BatchRun
from tasks.artifacts import publish_stage_summary
from tasks.printing import order_batch_prints


@flow(name="batch")
def batch_flow(
    institution: str,
    category: str,
    rosters: list[str] | None = None,
    photos: list[str] | None = None,
    learning_centre: str = "",
    print_layout: str | None = None,
    print_address: str = "",
    print_split_by: list[str] | None = None,
    actor: str | None = None,
) -> BatchRun | State:
    """Run one collection batch (an institution and an education category) through its stages.

    `print_layout` (e.g. one_inch; `photoflow print layouts` lists them) with `print_address` orders
    the batch's prints, split by `print_split_by` (default: department), once nothing is in review.
    An input a stage refuses (a wrong print request, a roster refused as a whole or missing, photos
    that cannot be read) ends the run there, Failed and naming it: the later stages would work on a
    batch without it (photos for students a refused roster did not add); the rerun with it fixed goes on.
    """
    actor = actor or get_settings().actor
    try:
        wanted = None
        if print_layout:  # a wrong layout, split or address is refused before any work is done
            wanted = BatchPrint(print_layout, print_address, print_split_by or ["department"])
            check_print_request(split_by=wanted.split_by, layout=wanted.layout, address=wanted.address)
        with parent_heartbeat_only():
            return _run_stages(
                institution, category, learning_centre, rosters or [], photos or [], wanted, actor
            )
    except PhotoflowError as refusal:
        batch_id = refusal.report.batch_id if isinstance(refusal, RosterRefused) else None
        return refused("batch", refusal, batch_id)


def _run_stages(
    institution: str,
    category: str,
    learning_centre: str,
    rosters: list[str],
    photos: list[str],
    wanted: BatchPrint | None,
    actor: str,
) -> BatchRun:
    # A subflow that refuses its input returns a Failed state, which Prefect raises here as the
    # refusal: what these calls give back is never a State.
    uploads = [
        cast(
            UploadReport,
            roster_upload_flow(path, institution, category, learning_centre=learning_centre, actor=actor),
        )
        for path in rosters
    ]
    intakes = [
        cast(
            PhotoIntakeOutcome,
            photo_intake_flow(
                path, institution, category, learning_centre=learning_centre, actor=actor, review=False
            ),
        ).intake
        for path in photos
    ]
    review = auto_review_flow(institution, category, learning_centre, actor)
    batch_id = review.batch_id
    screening = screening_flow(batch_id, actor)
    similarity = similarity_flow(batch_id, actor)
    submission = submission_flow(batch_id, actor)
    printed = order_batch_prints(batch_id, wanted, actor) if wanted else None
    run = BatchRun(
        batch_id=batch_id,
        rosters=uploads,
        photo_intakes=intakes,
        auto_review=review,
        screening=screening,
        similarity=similarity,
        submission=submission,
        print_order=print_order_flow(printed.order_id) if printed and printed.order_id else None,
        print_waiting=printed.waiting if printed else None,
        notices=notifications_flow(),
    )
    publish_stage_summary("batch", batch_id)
    return run
