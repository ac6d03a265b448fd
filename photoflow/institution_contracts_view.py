"""A contract as commands show it."""

from __future__ import annotations

from datetime import date

from photoflow.institution_contracts import SERVICES
from schemas.institutions import Contract
from schemas.reports import ContractOut


def contract_out(contract: Contract, institution_name: str, today: date) -> ContractOut:
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
