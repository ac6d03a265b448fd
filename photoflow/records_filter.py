"""Which records a view, an export, a download or a print order covers: one filter for all of them.

Search takes a name (or part of one) or an ID number (or its last digits, as people read them off a
card). The filter is stored with the deliverable it chose (`as_dict`), so a past export says what it
holds.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlmodel import col

from photoflow import idnumber
from photoflow.errors import PhotoflowError
from schemas.enums import EducationCategory, RecordStatus
from schemas.records import StudentRecord

ID_LIKE = re.compile(r"^[0-9]{4,17}[0-9Xx]?$")
MAX_SEARCH = 50
GROUPING = ("learning_centre", "department", "major", "class_name", "entry_year")  # sub-package fields


@dataclass(frozen=True, kw_only=True)
class RecordFilter:
    """Unset fields do not filter; `statuses` empty means every status."""

    institution_code: str | None = None
    category: EducationCategory | None = None
    batch_id: int | None = None
    statuses: tuple[RecordStatus, ...] = ()
    search: str = ""
    learning_centre: str | None = None
    department: str | None = None
    major: str | None = None
    class_name: str | None = None
    entry_year: int | None = None

    def check(self) -> None:
        if len(self.search) > MAX_SEARCH:
            raise PhotoflowError(f"search for at most {MAX_SEARCH} characters of a name or ID number")

    def scoped(self, statement: Any) -> Any:
        """Institution, category and batch only: the set a view counts its statuses over."""
        if self.institution_code is not None:
            statement = statement.where(StudentRecord.institution_code == self.institution_code)
        if self.category is not None:
            statement = statement.where(StudentRecord.category == self.category)
        if self.batch_id is not None:
            statement = statement.where(StudentRecord.batch_id == self.batch_id)
        return statement

    def apply(self, statement: Any) -> Any:
        """Every condition of the filter on a statement over `StudentRecord`."""
        statement = self.scoped(statement)
        if self.statuses:
            statement = statement.where(col(StudentRecord.status).in_(self.statuses))
        for name in GROUPING:
            value = getattr(self, name)
            if value is not None:
                statement = statement.where(getattr(StudentRecord, name) == value)
        text = self.search.strip()
        if ID_LIKE.match(text):
            statement = statement.where(col(StudentRecord.id_number).endswith(idnumber.normalise(text)))
        elif text:
            statement = statement.where(col(StudentRecord.name).contains(text, autoescape=True))
        return statement

    def as_dict(self) -> dict[str, Any]:
        """The filter as stored with a deliverable: set fields only, enums as their values."""
        stored = {name: value for name, value in asdict(self).items() if value not in (None, "", ())}
        if "statuses" in stored:
            stored["statuses"] = [status.value for status in self.statuses]
        if self.category is not None:  # set, so stored
            stored["category"] = self.category.value
        return stored

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> RecordFilter:
        known = {field.name for field in fields(cls)}
        values = {name: value for name, value in stored.items() if name in known}
        if "statuses" in values:
            values["statuses"] = tuple(RecordStatus(value) for value in values["statuses"])
        if "category" in values:
            values["category"] = EducationCategory(values["category"])
        return cls(**values)
