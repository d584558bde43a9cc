"""API keys: list, create (the key is shown once), revoke."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from api.auth import AdminRole
from api.deps import RowId, SessionDep
from models import ApiKeyPublic, Role
from services import keys

router = APIRouter(prefix="/keys", tags=["keys"], dependencies=[AdminRole])


class KeyCreate(BaseModel):
    model_config = {"extra": "forbid"}

    role: Role
    name: str = Field(default="", max_length=200)


class KeyCreated(ApiKeyPublic):
    key: str  # shown only in this response


@router.get("", response_model=list[ApiKeyPublic])
def list_keys(session: SessionDep) -> list[ApiKeyPublic]:
    return [ApiKeyPublic.model_validate(k) for k in keys.list_keys(session)]


@router.post("", response_model=KeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(body: KeyCreate, session: SessionDep) -> KeyCreated:
    key, token = keys.create_key(session, body.role, body.name)
    return KeyCreated.model_validate(key, update={"key": token})


@router.delete("/{key_id}", response_model=ApiKeyPublic)
def revoke_key(key_id: RowId, session: SessionDep) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(keys.revoke(session, key_id))
