"""Print orders: which collected photos to print, split into sub-packages, on which layout, shipped where.

A request is a row (待冲印) naming its filters, its split and its layout; `build_order` then writes,
for each sub-package (the records sharing the split's values: a department, a class ...), the
print-ready sheets and a manifest workbook saying which photo is where. Files are named by the
sub-package's number, never by the department or class names people typed into a roster. The
order's status moves 待冲印 -> 冲印中 -> 已寄出, each move an event row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from data_contracts.print_layouts import PrintLayout
from data_contracts.roster_columns import COLUMNS_BY_FIELD
from photoflow import storage
from photoflow.errors import NotFoundError, PhotoflowError
from photoflow.exports.workbook import TableColumn, write_records_workbook
from photoflow.photos.attempts import SpecImage, current_spec_images
from photoflow.printing import print_state
from photoflow.printing.fonts import find_label_font
from photoflow.printing.sheets import SheetItem, grid, iter_sheets, print_layout, write_pdf
from photoflow.records_filter import GROUPING, RecordFilter
from photoflow.settings import Settings
from schemas.db import session_scope, write_scope
from schemas.deliverables import PrintOrder, PrintStatus, PrintSubPackage
from schemas.enums import RecordStatus
from schemas.ids import stored_id
from schemas.outputs import from_row
from schemas.print_reports import PrintOrderOut, SubPackageOut
from schemas.records import StudentRecord

PRINTABLE = (RecordStatus.COLLECTED, RecordStatus.REGISTERED)
NOT_GIVEN = "未填写"
MAX_ADDRESS = 300


def printable(wanted: RecordFilter) -> RecordFilter:
    """The order's filter: its batch and grouping fields, over collected or registered records only."""
    return RecordFilter(
        batch_id=wanted.batch_id, statuses=PRINTABLE, **{name: getattr(wanted, name) for name in GROUPING}
    )


def request_print(
    engine: Engine,
    wanted: RecordFilter,
    *,
    split_by: Sequence[str],
    layout: str,
    address: str,
    actor: str,
) -> int:
    """A new order (待冲印) for the printable records of `wanted` (a batch and optional grouping
    filters); returns its id. Refused with the reason when the layout, split or address is wrong or
    nothing matches."""
    check_print_request(split_by=split_by, layout=layout, address=address)
    chosen = printable(wanted)
    with write_scope(engine) as session:
        photos = len(printable_records(session, chosen))
        if not photos:
            raise PhotoflowError(
                f"batch {wanted.batch_id} has no collected or registered photos matching {chosen.as_dict()}"
            )
        return add_order(
            session, chosen, photos, split_by=split_by, layout=layout, address=address, actor=actor
        )


def check_print_request(*, split_by: Sequence[str], layout: str, address: str) -> None:
    """Refuse, with the reason, a layout, split or address no order can be made with, or a machine with
    no font to print the names: at once, not when the sheets are drawn at the end of a batch run."""
    print_layout(layout)  # refuses an unknown one, naming those there are
    find_label_font()
    unknown = [name for name in split_by if name not in GROUPING]
    if unknown:
        raise PhotoflowError(f"cannot split by {', '.join(unknown)}: choose from {', '.join(GROUPING)}")
    if not address.strip() or len(address) > MAX_ADDRESS:
        raise PhotoflowError(f"give a shipping address of 1-{MAX_ADDRESS} characters")


def add_order(
    session: Session,
    chosen: RecordFilter,
    photos: int,
    *,
    split_by: Sequence[str],
    layout: str,
    address: str,
    actor: str,
) -> int:
    """The order row (待冲印) and its first event, in the caller's transaction; returns its id."""
    order = print_state.open_order(
        session,
        actor=actor,
        batch_id=chosen.batch_id,
        filters=chosen.as_dict(),
        split_by=list(split_by),
        layout=layout,
        address=address.strip(),
        photos=photos,
    )
    assert order.id is not None  # flushed when opened
    return order.id


def build_order(engine: Engine, settings: Settings, order_id: int) -> PrintOrderOut:
    """Write the order's sheets and manifests, one sub-package per split value; done once (a rerun of an
    order that has its sub-packages returns them). Sheets are rendered outside any transaction (a large
    order takes a while), then the sub-packages are recorded in one."""
    folder = storage.prints_dir(settings.data_dir, order_id)
    with session_scope(engine) as session:
        order = _order(session, order_id)
        if _built(session, order_id):
            return _out(session, order, settings.data_dir)
        layout, split_by = print_layout(order.layout), list(order.split_by)
        records = printable_records(session, RecordFilter.from_dict(order.filters))
        photos = current_spec_images(session, [stored_id(record) for record in records])
        session.expunge_all()
    storage.make_dir(folder)
    key = _split_key(split_by)
    groups = groupby(sorted(records, key=key), key=key)
    subs = [
        _write_sub_package(
            settings,
            layout,
            folder / f"{number:02d}",
            dict(zip(split_by, vals, strict=True)),
            [r for r in group if r.id in photos],
            photos,
        )
        for number, (vals, group) in enumerate(groups, start=1)
    ]
    with write_scope(engine) as session:
        order = _order(session, order_id, lock=True)
        if not _built(session, order_id):  # else a run beside this one recorded the same files first
            for sub in subs:
                session.add(PrintSubPackage(order_id=order_id, **sub))
            order.folder = storage.stored(settings.data_dir, folder)
            order.photos = sum(sub["photos"] for sub in subs)
            session.add(order)
            session.flush()
        return _out(session, order, settings.data_dir)


def _write_sub_package(
    settings: Settings,
    layout: PrintLayout,
    stem: Path,
    values: dict[str, str],
    members: list[StudentRecord],
    photos: Mapping[int, SpecImage],
) -> dict[str, Any]:
    """One sub-package's sheets (PDF) and manifest (xlsx), named by its number; returns its row's values."""
    items = [
        SheetItem(storage.absolute(settings.data_dir, photos[stored_id(r)].path).read_bytes(), r.name)
        for r in members
    ]
    sheets = stem.with_name(f"{stem.name}-sheets.pdf")
    manifest = stem.with_name(f"{stem.name}-manifest.xlsx")
    pages = write_pdf(iter_sheets(items, layout), sheets)
    places = _places(members, grid(layout).per_sheet)
    write_records_workbook(manifest, members, extra=places)
    return {
        "name": _name(values),
        "values": values,
        "photos": len(members),
        "sheets": pages,
        "sheets_path": storage.stored(settings.data_dir, sheets),
        "manifest_path": storage.stored(settings.data_dir, manifest),
    }


def _built(session: Session, order_id: int) -> bool:
    return (
        session.exec(select(PrintSubPackage.id).where(PrintSubPackage.order_id == order_id)).first()
        is not None
    )


def move_order(engine: Engine, order_id: int, target: PrintStatus, *, actor: str, note: str = "") -> None:
    """待冲印 -> 冲印中 -> 已寄出, one step at a time, each with its event row."""
    with write_scope(engine) as session:
        print_state.move(session, _order(session, order_id, lock=True), target, actor=actor, note=note)


def list_orders(engine: Engine, settings: Settings, *, batch_id: int | None = None) -> list[PrintOrderOut]:
    statement = select(PrintOrder).order_by(col(PrintOrder.id).desc())
    if batch_id is not None:
        statement = statement.where(PrintOrder.batch_id == batch_id)
    with session_scope(engine) as session:
        return [_out(session, order, settings.data_dir) for order in session.exec(statement).all()]


def get_order(engine: Engine, settings: Settings, order_id: int) -> PrintOrderOut:
    with session_scope(engine) as session:
        order = _order(session, order_id)
        return _out(session, order, settings.data_dir)


def _order(session: Session, order_id: int, *, lock: bool = False) -> PrintOrder:
    order = session.get(PrintOrder, order_id, with_for_update=lock)
    if order is None:
        raise NotFoundError(f"no print order {order_id}: `photoflow print list` shows the orders")
    return order


def printable_records(session: Session, chosen: RecordFilter) -> list[StudentRecord]:
    return list(session.exec(chosen.apply(select(StudentRecord)).order_by(StudentRecord.id)).all())


def _split_key(split_by: Sequence[str]):
    """Sort and group key: the split's values, with empty ones last under one name."""
    return lambda record: tuple(str(getattr(record, name) or NOT_GIVEN) for name in split_by)


def _name(values: dict[str, str]) -> str:
    """E.g. 院系 计算机学院 / 班级 计科2201: the roster's own headers for the split's fields."""
    labelled = (f"{COLUMNS_BY_FIELD[name].header} {value}" for name, value in values.items())
    return " / ".join(labelled) or "全部 / all"


def _places(members: Sequence[StudentRecord], per_sheet: int) -> list[TableColumn]:
    """Manifest columns saying where each photo is: sheet (page) and place on it, in print order."""
    position = {record.id: index for index, record in enumerate(members)}
    return [
        TableColumn("页码 Sheet", lambda record: position[record.id] // per_sheet + 1, 10),
        TableColumn("位置 Place", lambda record: position[record.id] % per_sheet + 1, 10),
    ]


def _out(session: Session, order: PrintOrder, data_dir: Path) -> PrintOrderOut:
    layout = print_layout(order.layout)
    subs = session.exec(
        select(PrintSubPackage).where(PrintSubPackage.order_id == order.id).order_by(col(PrintSubPackage.id))
    ).all()
    return from_row(
        PrintOrderOut,
        order,
        id=stored_id(order),
        layout_label=layout.label,
        status=order.status.value,
        status_label=order.status.label,
        sub_packages=[_sub_out(sub, data_dir) for sub in subs],
    )


def _sub_out(sub: PrintSubPackage, data_dir: Path) -> SubPackageOut:
    return from_row(
        SubPackageOut,
        sub,
        id=stored_id(sub),
        sheets_path=str(storage.absolute(data_dir, sub.sheets_path)),
        manifest_path=str(storage.absolute(data_dir, sub.manifest_path)),
    )
