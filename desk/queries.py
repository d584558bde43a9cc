"""Reading cases for the API: the queue sorted by the deadline that matters now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import or_
from sqlmodel import Session, col, select

from core.errors import NotFound
from models import Brand, Case, CasePublic, CaseState, Sla


def next_due(model: type[Case] = Case) -> Any:
    """The deadline that matters now: the first reply until it is posted, then resolution."""
    return sql_case(
        (col(model.first_replied_at).is_(None), col(model.first_reply_due_at)),
        else_=col(model.resolution_due_at),
    )


@dataclass
class CaseFilter:
    state: CaseState | None = None
    sla: Sla | None = None
    brand: str | None = None
    assignee: str | None = None
    due_before: datetime | None = None


def list_cases(
    session: Session, filters: CaseFilter, *, limit: int = 100, offset: int = 0
) -> list[tuple[Case, str]]:
    query = select(Case, Brand.name).join(Brand, col(Brand.id) == col(Case.brand_id))
    if filters.state is not None:
        query = query.where(Case.state == filters.state)
    if filters.sla is not None:
        query = query.where(
            or_(col(Case.first_reply_sla) == filters.sla, col(Case.resolution_sla) == filters.sla)
        )
    if filters.brand is not None:
        brand_id = session.exec(select(Brand.id).where(Brand.name == filters.brand)).first()
        if brand_id is None:
            raise NotFound(f"brand {filters.brand!r} not found")
        query = query.where(Case.brand_id == brand_id)
    if filters.assignee is not None:
        query = query.where(Case.assignee == filters.assignee)
    if filters.due_before is not None:
        query = query.where(next_due() < filters.due_before)
    query = query.order_by(next_due().asc().nulls_last(), col(Case.id)).offset(offset).limit(limit)
    return [(row[0], row[1]) for row in session.exec(query)]


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


def case_public(case: Case, brand: str) -> CasePublic:
    return CasePublic.model_validate(case, update={"brand": brand})
