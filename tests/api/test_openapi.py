"""`/openapi.json` describes every JSON answer: a schema for each success response."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_every_json_route_names_its_response_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                if not code.startswith("2") or code == "204":
                    continue
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if not schema:
                    missing.append(f"{method.upper()} {path} {code}")
    assert missing == []
    # the analytics and classify answers are real models, not bare objects
    sentiment = spec["paths"]["/api/v1/analytics/sentiment"]["get"]["responses"]["200"]
    assert sentiment["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SentimentReport"
    }
    assert "text/csv" in sentiment["content"]
    assert "ClassifyResult" in spec["components"]["schemas"]
    assert "AlertDeliveryPublic" in spec["components"]["schemas"]
