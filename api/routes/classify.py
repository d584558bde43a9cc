"""Ad-hoc classification of texts with the service's model."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from api.auth import AnyRole
from api.deps import ClassifierDep
from classifier import classify_texts
from models import MAX_CLASSIFY_TEXTS, ClassifyRequest, ClassifyResponse, ClassifyResult

router = APIRouter(tags=["classify"], dependencies=[AnyRole])


@router.post(
    "/classify",
    response_model=ClassifyResponse,
    response_model_exclude_none=True,  # "fused" only for texts that came with a rating
    responses={413: {"description": f"more than {MAX_CLASSIFY_TEXTS} texts"}},
)
def classify(body: ClassifyRequest, classifier: ClassifierDep) -> ClassifyResponse:
    """Label texts negative / neutral / positive; with `ratings`, also the fused verdict.

    Limits: at most 64 texts per request (413 beyond) and 5,000 characters per text (422).
    A sync route: FastAPI runs it in a worker thread, so inference never blocks the loop.
    """
    if len(body.texts) > MAX_CLASSIFY_TEXTS:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"at most {MAX_CLASSIFY_TEXTS} texts per request, got {len(body.texts)}",
        )
    results = classify_texts(body.texts, classifier, ratings=body.ratings)
    return ClassifyResponse(
        model=classifier.version, results=[ClassifyResult.model_validate(r) for r in results]
    )
