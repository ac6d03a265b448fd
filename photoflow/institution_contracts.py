"""Contracts between the provider and an institution, and the batches they open."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from photoflow.errors import NoActiveContractError, NotFoundError
from schemas.batches import Batch
from schemas.clock import utcnow
from schemas.enums import EducationCategory
from schemas.institutions import Contract, Institution

SERVICES = {"id": "id_registry_comparison", "enrollment": "enrollment_comparison"}


def add_contract(
    session: Session,
    *,
    institution_code: str,
    institution_name: str,
    category: EducationCategory,
    price_per_photo: Decimal,
    valid_until: date,
    services: frozenset[str] = frozenset(),
    interception: bool = False,
    delegation_letter_received: bool = False,
) -> Contract:
    """Register or renew the contract for one institution and category (re-adding updates it)."""
    institution = session.get(Institution, institution_code)
    if institution is None:
        institution = Institution(code=institution_code, name=institution_name)
    institution.name = institution_name
    session.add(institution)
    contract = session.exec(
        select(Contract).where(Contract.institution_code == institution_code, Contract.category == category)
    ).first() or Contract(
        institution_code=institution_code,
        category=category,
        price_per_photo=price_per_photo,
        valid_until=valid_until,
    )
    contract.price_per_photo = price_per_photo
    contract.valid_until = valid_until
    contract.interception = interception
    contract.delegation_letter_received = delegation_letter_received
    for service, column in SERVICES.items():
        setattr(contract, column, service in services)
    contract.updated_at = utcnow()
    session.add(contract)
    session.flush()
    return contract


def list_contracts(session: Session) -> list[tuple[Contract, Institution]]:
    statement = (
        select(Contract, Institution)
        .join(Institution, col(Institution.code) == Contract.institution_code)
        .order_by(col(Contract.institution_code), col(Contract.category))
    )
    return list(session.exec(statement).all())


def active_contract(
    session: Session, institution_code: str, category: EducationCategory, today: date
) -> Contract:
    """The contract that allows work for this institution and category today, or a clear refusal."""
    contract = session.exec(
        select(Contract).where(Contract.institution_code == institution_code, Contract.category == category)
    ).first()
    if contract is None:
        raise NoActiveContractError(
            f"institution {institution_code} has no contract for {category.label}: "
            f"register one with `photoflow contract add` before uploading its roster"
        )
    if not contract.is_active(today):
        raise NoActiveContractError(
            f"the contract of institution {institution_code} for {category.label} expired on "
            f"{contract.valid_until.isoformat()}: renew it with `photoflow contract add` first"
        )
    return contract


def batch_for(
    session: Session, institution_code: str, category: EducationCategory, learning_centre: str
) -> Batch:
    """The batch for this institution, category and learning centre, opened on first use."""
    statement = select(Batch).where(
        Batch.institution_code == institution_code,
        Batch.category == category,
        Batch.learning_centre == learning_centre,
    )
    batch = session.exec(statement).first()
    if batch is None:
        batch = Batch(institution_code=institution_code, category=category, learning_centre=learning_centre)
        session.add(batch)
        session.flush()
    return batch


def existing_batch(
    session: Session, institution_code: str, category: EducationCategory, learning_centre: str
) -> Batch:
    """The batch photos go to; it exists once a roster was uploaded, and photos need a roster to match."""
    batch = session.exec(
        select(Batch).where(
            Batch.institution_code == institution_code,
            Batch.category == category,
            Batch.learning_centre == learning_centre,
        )
    ).first()
    if batch is None:
        centre = f", learning centre {learning_centre}" if learning_centre else ""
        raise NotFoundError(
            f"institution {institution_code} has no batch for {category.label}{centre}: "
            f"upload its roster with `photoflow roster upload` first"
        )
    return batch


def set_interception(
    session: Session, institution_code: str, category: EducationCategory | None, on: bool
) -> list[Contract]:
    """Turn interception on or off for the institution's contracts (all, or the one category's).

    Records already compared keep their status: the switch applies to comparisons made from now on.
    """
    statement = select(Contract).where(Contract.institution_code == institution_code)
    if category is not None:
        statement = statement.where(Contract.category == category)
    contracts = list(session.exec(statement).all())
    if not contracts:
        scope = f" for {category.label}" if category is not None else ""
        raise NotFoundError(
            f"institution {institution_code} has no contract{scope}: see `photoflow contract list`"
        )
    for contract in contracts:
        contract.interception = on
        contract.updated_at = utcnow()
        session.add(contract)
    return contracts


def require_batch(session: Session, batch_id: int) -> Batch:
    """The batch a command names by ID, or a refusal that says where to find the IDs."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(
            f"no batch {batch_id}: `photoflow roster list --json` shows the batch_id of each roster upload"
        )
    return batch
