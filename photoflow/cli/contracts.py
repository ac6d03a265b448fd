"""`photoflow contract`: institutions' contracts, one per education category: add, interception, list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from photoflow.cli.options import (
    CategoryOption,
    InstitutionOption,
    JsonOption,
    WideOption,
    education_category,
    institution_code,
)

if TYPE_CHECKING:
    from schemas.institutions import Contract
    from schemas.reports import ContractOut

contract_app = typer.Typer(no_args_is_help=True, help="Contracts with institutions.")


@contract_app.command("add")
def contract_add(
    institution: InstitutionOption,
    name: Annotated[str, typer.Option(help="Institution name (院校名称).")],
    category: CategoryOption,
    price: Annotated[str, typer.Option(help="Price per photo, e.g. 30.00.")],
    valid_until: Annotated[str, typer.Option("--valid-until", help="Last day of the contract, YYYY-MM-DD.")],
    services: Annotated[
        str, typer.Option(help="Comparison services: id, enrollment, or id,enrollment.")
    ] = "",
    interception: Annotated[
        str, typer.Option(help="Hold dubious comparisons for an admin: on or off.")
    ] = "off",
    delegation_letter: Annotated[
        bool,
        typer.Option("--delegation-letter/--no-delegation-letter", help="Signed delegation letter received."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Register or renew an institution's contract for one education category."""
    from photoflow.cli.output import emit_json
    from photoflow.database import default_engine
    from photoflow.institution_contracts import SERVICES, add_contract
    from schemas.db import session_scope

    try:
        amount = Decimal(price)
    except InvalidOperation:
        raise typer.BadParameter(f"'{price}' is not an amount such as 30.00", param_hint="--price") from None
    try:
        until = date.fromisoformat(valid_until)
    except ValueError:
        raise typer.BadParameter(
            f"'{valid_until}' is not a date YYYY-MM-DD", param_hint="--valid-until"
        ) from None
    wanted = frozenset(s.strip() for s in services.split(",") if s.strip())
    if wanted - SERVICES.keys():
        raise typer.BadParameter(
            f"unknown service(s) {', '.join(sorted(wanted - SERVICES.keys()))}", param_hint="--services"
        )
    if interception not in ("on", "off"):
        raise typer.BadParameter("use on or off", param_hint="--interception")
    with session_scope(default_engine()) as session:
        contract = add_contract(
            session,
            institution_code=institution_code(institution),
            institution_name=name.strip(),
            category=education_category(category),
            price_per_photo=amount,
            valid_until=until,
            services=wanted,
            interception=interception == "on",
            delegation_letter_received=delegation_letter,
        )
        out = contract_out(contract, name.strip(), date.today())
    if as_json:
        emit_json(out)
    else:
        state = "active" if out.active else "EXPIRED"
        typer.echo(
            f"contract {out.institution} {out.name} · {out.category_label} · {out.price_per_photo}/photo · "
            f"valid until {out.valid_until} ({state})"
        )


@contract_app.command("interception")
def contract_interception(
    institution: InstitutionOption,
    state: Annotated[
        str, typer.Argument(help="on: hold dubious comparisons for an admin; off: let all go on.")
    ],
    category: Annotated[
        str | None, typer.Option("--category", help="Only this category's contract; all of them if left out.")
    ] = None,
) -> None:
    """Turn comparison interception (拦截上网) on or off for an institution."""
    from photoflow.database import default_engine
    from photoflow.institution_contracts import set_interception
    from schemas.db import session_scope

    if state not in ("on", "off"):
        raise typer.BadParameter("use on or off", param_hint="STATE")
    parsed = education_category(category) if category else None
    with session_scope(default_engine()) as session:
        changed = set_interception(session, institution_code(institution), parsed, state == "on")
        labels = ", ".join(contract.category.label for contract in changed)
    typer.echo(f"interception {state} for institution {institution}: {labels}")


@contract_app.command("list")
def contract_list(wide: WideOption = False, as_json: JsonOption = False) -> None:
    """List contracts and whether each is active today (--wide: services and interception too)."""
    from photoflow.cli.output import FitTable, emit_json, show_table
    from photoflow.database import default_engine
    from photoflow.institution_contracts import list_contracts
    from schemas.db import session_scope

    with session_scope(default_engine()) as session:
        rows = [contract_out(c, i.name, date.today()) for c, i in list_contracts(session)]
    if as_json:
        emit_json(rows)
        return
    table = FitTable(
        "Code",
        "Name",
        "Category",
        "Price",
        "Valid until",
        "Active",
        "Services",
        "Interception",
        extra=("Services", "Interception"),
        wide=wide,
    )
    for r in rows:
        table.add_row(
            r.institution,
            escape(r.name),
            r.category_label if wide else education_category(r.category).zh,
            r.price_per_photo,
            r.valid_until,
            "yes" if r.active else "no",
            ",".join(r.services) or "-",
            "on" if r.interception else "off",
        )
    show_table(table)


def contract_out(contract: Contract, institution_name: str, today: date) -> ContractOut:
    """A contract as the commands show it: amounts and days as text, its services by name."""
    from photoflow.institution_contracts import SERVICES
    from schemas.reports import ContractOut

    return ContractOut(
        institution=contract.institution_code,
        name=institution_name,
        category=contract.category.value,
        category_label=contract.category.label,
        price_per_photo=f"{contract.price_per_photo:.2f}",
        valid_until=contract.valid_until.isoformat(),
        active=contract.is_active(today),
        delegation_letter_received=contract.delegation_letter_received,
        services=[name for name, column in SERVICES.items() if getattr(contract, column)],
        interception=contract.interception,
    )
