"""Ad-hoc classification: the request and the labels it answers with."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from models.mention import SentimentLabel

MAX_CLASSIFY_TEXTS = 64  # per request: more is 413, send several requests
MAX_CLASSIFY_CHARS = 5_000  # per text: longer is 422 (the model reads ~256 tokens anyway)


class ClassifyRequest(BaseModel):
    model_config = {"extra": "forbid"}

    texts: list[Annotated[str, Field(min_length=1, max_length=MAX_CLASSIFY_CHARS)]] = Field(
        min_length=1
    )
    ratings: list[Annotated[float, Field(ge=1, le=5)] | None] | None = None

    @model_validator(mode="after")
    def _aligned(self) -> ClassifyRequest:
        if self.ratings is not None and len(self.ratings) != len(self.texts):
            raise ValueError("ratings must have one entry (or null) per text")
        return self


class Probabilities(BaseModel):
    negative: float
    neutral: float
    positive: float


class FusedPublic(BaseModel):
    """The text's sentiment fused with its star rating."""

    label: SentimentLabel
    score: float
    probs: Probabilities
    disagreement: bool = Field(description="the rating and the text point in opposite ways")


class ClassifyResult(BaseModel):
    label: SentimentLabel
    score: float = Field(description="the probability of `label`")
    probs: Probabilities
    uncertain: bool = Field(description="the top probability is low: a person should look")
    fused: FusedPublic | None = Field(default=None, description="only for a text with a rating")


class ClassifyResponse(BaseModel):
    model: str = Field(description="the model version that labelled the texts")
    results: list[ClassifyResult]
