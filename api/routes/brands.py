"""Brands: list, create, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.auth import AdminRole, AnyRole
from api.deps import RowId, SessionDep, SettingsDep
from models import AdaptationPublic, BrandCreate, BrandPublic, BrandUpdate
from services import catalog
from services.adaptation import adaptation_status

router = APIRouter(prefix="/brands", tags=["brands"])


@router.get("", response_model=list[BrandPublic], dependencies=[AnyRole])
def list_brands(session: SessionDep) -> list[BrandPublic]:
    return [catalog.brand_public(b) for b in catalog.list_brands(session)]


@router.post(
    "", response_model=BrandPublic, status_code=status.HTTP_201_CREATED, dependencies=[AdminRole]
)
def create_brand(body: BrandCreate, session: SessionDep) -> BrandPublic:
    return catalog.brand_public(catalog.create_brand(session, body))


@router.get("/{brand_id}", response_model=BrandPublic, dependencies=[AnyRole])
def read_brand(brand_id: RowId, session: SessionDep) -> BrandPublic:
    return catalog.brand_public(catalog.get_brand(session, brand_id))


@router.get("/{brand_id}/adaptation", response_model=AdaptationPublic, dependencies=[AnyRole])
def read_adaptation(
    brand_id: RowId, session: SessionDep, settings: SettingsDep
) -> AdaptationPublic:
    """How the brand's traffic light learns from its team: corrections in force, the adapter
    in use (version, when trained, on how many corrections) and its effect, cross-validated
    on the brand's own corrections (`effect.macro_f1_model` → `effect.macro_f1_adapter`).
    Switch it off with `PATCH /brands/{id}` `{"adaptation": false}`."""
    brand = catalog.get_brand(session, brand_id)
    return adaptation_status(session, brand, settings.adaptation_min_corrections)


@router.patch("/{brand_id}", response_model=BrandPublic, dependencies=[AdminRole])
def update_brand(brand_id: RowId, body: BrandUpdate, session: SessionDep) -> BrandPublic:
    brand = catalog.update_brand(session, catalog.get_brand(session, brand_id), body)
    return catalog.brand_public(brand)


@router.delete(
    "/{brand_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    dependencies=[AdminRole],
)
def delete_brand(brand_id: RowId, session: SessionDep) -> None:
    catalog.delete_brand(session, catalog.get_brand(session, brand_id))
