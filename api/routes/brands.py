"""Brands: list, create, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.auth import AdminRole, AnyRole
from api.deps import RowId, SessionDep
from models import BrandCreate, BrandPublic, BrandUpdate
from services import catalog

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
