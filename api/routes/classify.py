"""Ad-hoc classification of texts with the service's model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field, model_validator

from api.auth import AnyRole

router = APIRouter(tags=["classify"], dependencies=[AnyRole])

MAX_TEXTS = 64  # per request: more is 413, send several requests
MAX_CHARS = 5_000  # per text: longer is 422 (the model reads the first ~256 tokens anyway)


class ClassifyRequest(BaseModel):
    model_config = {"extra": "forbid"}

    texts: list[Annotated[str, Field(min_length=1, max_length=MAX_CHARS)]] = Field(min_length=1)
    ratings: list[Annotated[float, Field(ge=1, le=5)] | None] | None = None

    @model_validator(mode="after")
    def _aligned(self) -> ClassifyRequest:
        if self.ratings is not None and len(self.ratings) != len(self.texts):
            raise ValueError("ratings must have one entry (or null) per text")
        return self


class ClassifyResponse(BaseModel):
    model: str
    results: list[dict[str, Any]]


@router.post(
    "/classify",
    response_model=ClassifyResponse,
    responses={413: {"description": f"more than {MAX_TEXTS} texts"}},
)
def classify(body: ClassifyRequest, request: Request) -> ClassifyResponse:
    """Label texts negative / neutral / positive; with `ratings`, also the fused verdict.

    Limits: at most 64 texts per request (413 beyond) and 5,000 characters per text (422).
    A sync route: FastAPI runs it in a worker thread, so inference never blocks the loop.
    """
    if len(body.texts) > MAX_TEXTS:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"at most {MAX_TEXTS} texts per request, got {len(body.texts)}",
        )
    from classifier import classify_texts

    classifier = request.app.state.classifier()
    results = classify_texts(body.texts, classifier, ratings=body.ratings)
    return ClassifyResponse(model=classifier.version, results=results)
