"""Stage 3 commands: compare two photos, run the stage, list and decide held records, approve for stage 3."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from photoflow.cli.options import BatchFilter, BatchOption, JsonOption, WideOption, confirm, existing_batch
from photoflow.cli.output import (
    ID_COLUMN,
    MAX_ERRORS_SHOWN,
    FitTable,
    console,
    emit_json,
    emit_json_list,
    show_table,
)
from photoflow.errors import PhotoflowError
from schemas.reports import (
    ComparisonOut,
    DuplicateFaceOut,
    HeldOut,
    HoldDecisionReport,
    PairScoreOut,
    SimilarityReport,
)

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
    from photoflow.settings import get_settings
    from photoflow.similarity.compare_files import compare_files

    result = compare_files(photo_a, photo_b, get_settings())
    emit_json(result) if as_json else show_pair_score(result)
    if result.score is None:
        raise typer.Exit(code=1)


@similarity_app.command("run")
def similarity_run(batch: BatchOption, wide: WideOption = False, as_json: JsonOption = False) -> None:
    """Compare every record of the batch waiting in comparison, then flag duplicate faces."""

    batch_id = existing_batch(batch)
    from flows.similarity import similarity_flow

    report = similarity_flow(batch_id)
    emit_json(report) if as_json else show_similarity(report, wide=wide)


@similarity_app.command("duplicates")
def similarity_duplicates(batch: BatchOption, as_json: JsonOption = False) -> None:
    """Pairs of students in the batch whose photos show the same face."""
    from photoflow.database import default_engine
    from photoflow.similarity.duplicates import duplicate_faces

    found = duplicate_faces(default_engine(), existing_batch(batch))
    emit_json_list(found) if as_json else show_duplicates(found)


@held_app.command("list")
def held_list(
    batch: BatchFilter = None,
    band: BandOption = None,
    min_score: MinScore = None,
    max_score: MaxScore = None,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Records held after comparison, the most doubtful first."""
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


def show_pair_score(result: PairScoreOut) -> None:
    if result.score is None:
        console.print(f"[red]no score[/red]: {result.message}")
    else:
        console.print(
            f"[bold]{result.score:.1f}[/bold] / 100 · {result.band_label} (distance {result.distance:.4f})"
        )
    console.print(f"model: {result.model} ({result.model_version})")


def _comparisons(items: list[ComparisonOut], *, wide: bool = False) -> str:
    """One line per comparison: '人证比对 72.4' (the score says the band); --wide adds the band and the
    English names."""
    from schemas.similarity import ComparisonKind, ComparisonOutcome, SimilarityBand

    lines = []
    for c in items:
        kind = f"{ComparisonKind(c.kind).zh} {c.kind}" if wide else ComparisonKind(c.kind).zh
        if c.score is None:
            lines.append(f"{kind}: {ComparisonOutcome(c.outcome).zh}" + (f" {c.outcome}" if wide else ""))
        else:
            band = f" {SimilarityBand(c.band).zh} {c.band}" if wide and c.band else ""  # scored: banded
            lines.append(f"{kind} {c.score:.1f}{band}")
    return "\n".join(lines)


def show_similarity(report: SimilarityReport, *, wide: bool = False) -> None:
    from schemas.similarity import ComparisonWait

    console.print(
        f"[bold]Comparison[/bold] batch {report.batch_id} · 比对 considered {report.considered} · "
        f"采集完成 collected {report.collected} · 拦截 held {report.held} · "
        f"一人多号 duplicate-face pairs {report.duplicate_faces}"
    )
    for wait, count in report.waiting.items():
        console.print(f"  waiting / 等待: {count} · {ComparisonWait(wait).label}")
    shown = [item for item in report.records if item.status != "collected"]
    if shown:
        table = FitTable("Record", "姓名 Name", ID_COLUMN, "状态 Status", "比对 Comparisons", wide=wide)
        for item in shown[:MAX_ERRORS_SHOWN]:
            status, waiting = (item.status, item.waiting) if wide else _zh(item.status, item.waiting)
            status = status if waiting is None else f"{status}\n" + (f"({waiting})" if wide else waiting)
            table.add_row(
                str(item.record_id),
                escape(item.name),
                item.id_number,
                status,
                _comparisons(item.comparisons, wide=wide),
            )
        show_table(table)


def _zh(status: str, waiting: str | None) -> tuple[str, str | None]:
    """A record's status and what it waits for, in Chinese: the short forms a narrow table has room for."""
    from schemas.enums import RecordStatus
    from schemas.similarity import ComparisonWait

    return RecordStatus(status).zh, ComparisonWait(waiting).zh if waiting else None


def show_held(items: list[HeldOut], *, wide: bool = False) -> None:
    """A row of at most two lines per record at 80 columns; --wide adds the record id, the face-fusion
    findings in full and when it was held."""
    if not items:
        console.print("no held records / 无拦截记录")
        return
    table = FitTable(
        "Record",
        "Batch",
        "姓名 Name",
        ID_COLUMN,
        "比对 Comparisons",
        "换脸 Fusion",
        "Held since",
        extra=("Record", "Held since"),
        wide=wide,
    )
    for item in items:
        fusion = (item.fusion_suspected if wide else "疑似 yes") if item.fusion_suspected else ""
        table.add_row(
            str(item.record_id),
            str(item.batch_id),
            escape(item.name),
            item.id_number,
            _comparisons(item.comparisons, wide=wide),
            escape(fusion),
            item.held_since,
        )
    show_table(table)
    console.print(f"{len(items)} held record(s)")


def show_hold_decision(report: HoldDecisionReport) -> None:
    console.print(f"{report.decision_label}: {report.decided} record(s)")
    for line in report.skipped:
        console.print(f"  skipped {line}")


def show_duplicates(items: list[DuplicateFaceOut]) -> None:
    if not items:
        console.print("no duplicate faces / 未发现一人多号")
        return
    table = FitTable("Score", "Student", "Same face as")
    for item in items:
        table.add_row(f"{item.score:.1f}", item.first, item.second)
    show_table(table)
