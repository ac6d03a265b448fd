"""The advance flow carries decided records on for every batch, and a second run repeats nothing."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import SecretStr
from sqlmodel import select

from flows.advance import advance_flow
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.records import StudentRecord
from tests.review_helpers import collected, manual_queue, second_institution

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness", "contract")]


def test_advance_submits_the_collected_of_every_batch_and_leaves_the_undecided_alone(
    engine, settings, tmp_path, registry_sim, monkeypatch
):
    monkeypatch.setattr(settings, "registry_url", registry_sim.url)
    monkeypatch.setattr(settings, "registry_token", SecretStr(registry_sim.token))
    (tmp_path / "a").mkdir()
    collected(engine, settings, tmp_path / "a", 3)
    second_institution(engine)
    manual_queue(engine, settings, tmp_path, 2, institution="10002")  # another batch, still in review

    first = advance_flow()
    requests = registry_sim.sim.stats()["requests"]
    again = advance_flow()

    with session_scope(engine) as session:
        statuses = Counter(session.exec(select(StudentRecord.status)).all())
    assert statuses == Counter({RecordStatus.REGISTERED: 3, RecordStatus.IN_MANUAL_REVIEW: 2})
    assert [report.run.registered for report in first.submission] == [3]
    assert first.similarity == [] and again.submission == []
    assert registry_sim.sim.stats()["requests"] == requests  # nothing sent twice
