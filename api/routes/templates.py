"""Reply templates: list, create, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.auth import SmmRole
from api.deps import RowId, SessionDep
from desk import templates as service
from models import ReplyStage, TemplateCreate, TemplatePublic, TemplateUpdate

router = APIRouter(prefix="/templates", tags=["templates"], dependencies=[SmmRole])


@router.get("", response_model=list[TemplatePublic])
def list_templates(session: SessionDep, stage: ReplyStage | None = None) -> list[TemplatePublic]:
    return [TemplatePublic.model_validate(t) for t in service.list_templates(session, stage=stage)]


@router.post("", response_model=TemplatePublic, status_code=status.HTTP_201_CREATED)
def create_template(body: TemplateCreate, session: SessionDep) -> TemplatePublic:
    return TemplatePublic.model_validate(service.create_template(session, body))


@router.get("/{template_id}", response_model=TemplatePublic)
def read_template(template_id: RowId, session: SessionDep) -> TemplatePublic:
    return TemplatePublic.model_validate(service.get_template(session, template_id))


@router.patch("/{template_id}", response_model=TemplatePublic)
def update_template(
    template_id: RowId, body: TemplateUpdate, session: SessionDep
) -> TemplatePublic:
    template = service.get_template(session, template_id)
    return TemplatePublic.model_validate(service.update_template(session, template, body))


@router.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT, response_model=None)
def delete_template(template_id: RowId, session: SessionDep) -> None:
    service.delete_template(session, service.get_template(session, template_id))
