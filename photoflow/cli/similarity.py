"""Stage 3 commands: compare two photos, run the stage, list and decide held records, approve for stage 3."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from photoflow.cli.options import BatchOption, JsonOption, WideOption, confirm, existing_batch
from photoflow.errors import PhotoflowError

similarity_app = typer.Typer(
    no_args_is_help=True, help="Stage 3: face comparison of a batch, duplicate faces."
)
held_app = typer.Typer(no_args_is_help=True, help="Records held after comparison: list them, decide on them.")
manual_app = typer.Typer(no_args_is_help=True, help="Stage 2 decisions from the command line.")

BandOption = Annotated[
    str | None, typer.Option("--band", help="same, possible, different, or none (held without a score).")
]
MinScore = Annotated[float | None, typer.Option("--min-score", help="Lowest score to include.")]
MaxScore = Annotated[float | None, typer.Option("--max-score", help="Highest score to include.")]


def compare(
    photo_a: Annotated[Path, typer.Argument(help="First photo.")],
    photo_b: Annotated[Path, typer.Argument(help="Second photo.")],
    as_json: JsonOption = False,
) -> None:
    """Score two photos 0-100: 85+ same person, 50-85 possibly, 50 and below not (as stage 3 does)."""
    from photoflow.cli.output import emit_json, show_pair_score
    from photoflow.settings import get_settings
    from photoflow.similarity.compare_files import compare_files

    result = compare_files(photo_a, photo_b, get_settings())
    emit_json(result) if as_json else show_pair_score(result)
    if result.score is None:
        raise typer.Exit(code=1)


@similarity_app.command("run")
def similarity_run(batch: BatchOption, wide: WideOption = False, as_json: JsonOption = False) -> None:
    """Compare every record of the batch waiting in comparison, then flag duplicate faces."""
    from photoflow.cli.output import emit_json, show_similarity

    batch_id = existing_batch(batch)
    from flows.similarity import similarity_flow

    report = similarity_flow(batch_id)
    emit_json(report) if as_json else show_similarity(report, wide=wide)


@similarity_app.command("duplicates")
def similarity_duplicates(batch: BatchOption, as_json: JsonOption = False) -> None:
    """Pairs of students in the batch whose photos show the same face."""
    from photoflow.cli.output import emit_json_list, show_duplicates
    from photoflow.database import default_engine
    from photoflow.similarity.duplicates import duplicate_faces

    found = duplicate_faces(default_engine(), existing_batch(batch))
    emit_json_list(found) if as_json else show_duplicates(found)


@held_app.command("list")
def held_list(
    batch: Annotated[int | None, typer.Option("--batch", help="Only this batch.")] = None,
    band: BandOption = None,
    min_score: MinScore = None,
    max_score: MaxScore = None,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Records held after comparison, the most doubtful first."""
    from photoflow.cli.output import emit_json_list, show_held
    from photoflow.database import default_engine
    from photoflow.similarity.held import HeldFilter, held_records

    found = held_records(
        default_engine(), HeldFilter(batch_id=batch, band=band, min_score=min_score, max_score=max_score)
    )
    emit_json_list(found) if as_json else show_held(found, wide=wide)


@held_app.command("decide")
def held_decide(
    decision: Annotated[str, typer.Argument(help="reject (驳回重拍, reshoot) or submit (仍然报送, anyway).")],
    id_number: Annotated[
        list[str] | None, typer.Option("--id-number", help="A held student's ID number; repeat for more.")
    ] = None,
    batch: Annotated[
        int | None, typer.Option("--batch", help="Bulk: every held record of this batch...")
    ] = None,
    band: BandOption = None,
    min_score: MinScore = None,
    max_score: MaxScore = None,
    note: Annotated[str, typer.Option("--note", help="Why, for the event log.")] = "",
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before a bulk decision.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Reject and ask for a reshoot, or submit anyway: named records, or in bulk by filter."""
    from photoflow.cli.output import emit_json, show_hold_decision
    from photoflow.database import default_engine
    from photoflow.settings import get_settings
    from photoflow.similarity.held import HeldFilter, HoldDecision, decide_held, held_records

    choices = {"reject": HoldDecision.REJECT_RESHOOT, "submit": HoldDecision.SUBMIT_ANYWAY}
    if decision not in choices:
        raise typer.BadParameter("use reject or submit", param_hint="DECISION")
    engine = default_engine()
    wanted = None
    if not id_number:
        wanted = HeldFilter(
            batch_id=batch and existing_batch(batch), band=band, min_score=min_score, max_score=max_score
        )
        if wanted.batch_id is None:
            raise PhotoflowError(
                "give --id-number for chosen records, or --batch (with filters) for a bulk decision"
            )
        if not yes:
            confirm(f"{choices[decision].label}: {len(held_records(engine, wanted))} held record(s)")
    report = decide_held(
        engine,
        choices[decision],
        actor=get_settings().actor,
        id_numbers=id_number or (),
        wanted=wanted,
        note=note,
    )
    emit_json(report) if as_json else show_hold_decision(report)
    if id_number and not report.decided:
        raise PhotoflowError(
            f"none of the named records was decided ({'; '.join(report.skipped)}): "
            f"`photoflow held list` shows the records that are held"
        )


@manual_app.command("approve")
def manual_approve(
    batch: BatchOption,
    id_number: Annotated[
        list[str] | None, typer.Option("--id-number", help="Student's ID number; repeat.")
    ] = None,
    everyone: Annotated[bool, typer.Option("--all", help="Approve the batch's whole manual queue.")] = False,
) -> None:
    """Ops override: approve queued photos (on to comparison, or collected); auto-approval never learns
    from these, only from reviewers' decisions in the queue."""
    from photoflow.database import default_engine
    from photoflow.manual_review.decisions import approve
    from photoflow.settings import get_settings

    approved, skipped = approve(
        default_engine(),
        existing_batch(batch),
        actor=get_settings().actor,
        id_numbers=id_number or (),
        everyone=everyone,
    )
    typer.echo(f"approved {approved} photo(s) in batch {batch}")
    for line in skipped:
        typer.echo(f"  skipped {line}")
