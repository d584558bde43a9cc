"""Brand and source CRUD: happy paths, 422 field details, 404 and 409 with messages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.utils.factories import BRAND, SOURCE


def test_brand_crud(client: TestClient) -> None:
    created = client.post("/api/v1/brands", json=BRAND)
    assert created.status_code == 201
    brand = created.json()
    assert brand["keywords"] == ["Acme", "Акме"]  # trimmed, de-duplicated case-insensitively
    assert brand["response_hours"] == 24

    patched = client.patch(f"/api/v1/brands/{brand['id']}", json={"response_hours": 12})
    assert patched.json()["response_hours"] == 12
    assert client.get(f"/api/v1/brands/{brand['id']}").json()["response_hours"] == 12
    assert [b["name"] for b in client.get("/api/v1/brands").json()] == ["Acme"]

    assert client.delete(f"/api/v1/brands/{brand['id']}").status_code == 204
    assert client.get(f"/api/v1/brands/{brand['id']}").status_code == 404


def test_duplicate_brand_is_409(client: TestClient) -> None:
    client.post("/api/v1/brands", json=BRAND)
    response = client.post("/api/v1/brands", json=BRAND)
    assert response.status_code == 409
    assert response.json() == {"detail": "brand 'Acme' already exists"}


def test_invalid_brand_is_422_with_field_details(client: TestClient) -> None:
    response = client.post("/api/v1/brands", json={"name": "", "response_hours": 0, "x": 1})
    assert response.status_code == 422
    fields = {tuple(e["loc"][1:]) for e in response.json()["detail"]}
    assert fields == {("name",), ("response_hours",), ("x",)}


def test_source_crud_and_brand_reference(client: TestClient) -> None:
    client.post("/api/v1/brands", json=BRAND)
    created = client.post("/api/v1/sources", json=SOURCE)
    assert created.status_code == 201
    source = created.json()
    assert (source["brand"], source["options"], source["enabled"]) == ("Acme", {}, True)

    patched = client.patch(
        f"/api/v1/sources/{source['id']}", json={"enabled": False, "schedule": "0 9 * * 1-5"}
    )
    assert (patched.json()["enabled"], patched.json()["schedule"]) == (False, "0 9 * * 1-5")
    assert [s["name"] for s in client.get("/api/v1/sources", params={"brand": "Acme"}).json()] == [
        "acme-news"
    ]
    # A brand with sources cannot vanish from under them.
    brand_id = client.get("/api/v1/brands").json()[0]["id"]
    refused = client.delete(f"/api/v1/brands/{brand_id}")
    assert refused.status_code == 409
    assert "still has 1 source" in refused.json()["detail"]
    assert client.delete(f"/api/v1/sources/{source['id']}").status_code == 204


def test_source_with_unknown_brand_is_404(client: TestClient) -> None:
    response = client.post("/api/v1/sources", json={**SOURCE, "brand": "Nobody"})
    assert response.status_code == 404
    assert response.json() == {"detail": "brand 'Nobody' not found"}


def test_source_validation_names_each_bad_field(client: TestClient) -> None:
    bad = {**SOURCE, "kind": "fax", "url": "ftp://x", "schedule": "often", "timezone": "Mars/Base"}
    response = client.post("/api/v1/sources", json=bad)
    assert response.status_code == 422
    messages = {e["loc"][-1]: e["msg"] for e in response.json()["detail"]}
    assert set(messages) == {"kind", "url", "schedule", "timezone"}
    assert "unknown kind 'fax'" in messages["kind"]
    assert "invalid schedule 'often'" in messages["schedule"]
    assert "unknown time zone 'Mars/Base'" in messages["timezone"]


def test_duplicate_source_and_rename_conflicts_are_409(client: TestClient) -> None:
    client.post("/api/v1/brands", json=BRAND)
    client.post("/api/v1/sources", json=SOURCE)
    other = client.post("/api/v1/sources", json={**SOURCE, "name": "acme-blog"}).json()
    assert client.post("/api/v1/sources", json=SOURCE).status_code == 409
    rename = client.patch(f"/api/v1/sources/{other['id']}", json={"name": "acme-news"})
    assert rename.status_code == 409


def test_unknown_ids_are_404(client: TestClient) -> None:
    assert client.get("/api/v1/brands/999").status_code == 404
    assert client.patch("/api/v1/sources/999", json={"enabled": False}).status_code == 404
    assert client.get("/api/v1/mentions/999").json() == {"detail": "mention 999 not found"}


def test_crawl_now_is_asked_once_and_refused_for_a_disabled_source(client: TestClient) -> None:
    client.post("/api/v1/brands", json=BRAND)
    source_id = client.post("/api/v1/sources", json=SOURCE).json()["id"]
    first = client.post(f"/api/v1/sources/{source_id}/crawl")
    assert first.status_code == 202
    asked = first.json()["crawl_requested_at"]
    assert asked is not None
    again = client.post(f"/api/v1/sources/{source_id}/crawl")
    assert again.json()["crawl_requested_at"] == asked  # not started yet: one request
    client.patch(f"/api/v1/sources/{source_id}", json={"enabled": False})
    refused = client.post(f"/api/v1/sources/{source_id}/crawl")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "source 'acme-news' is disabled: enable it to crawl it"
    assert client.post("/api/v1/sources/999999/crawl").status_code == 404


def test_a_sources_credentials_are_stored_but_never_shown_back(
    client: TestClient, engine: object
) -> None:
    from sqlmodel import Session

    from models import Source

    client.post("/api/v1/brands", json={"name": "Acme"})
    vk = {
        "name": "acme-vk",
        "kind": "vk",
        "url": "https://vk.com/acme",
        "brand": "Acme",
        "options": {"owner_id": -1, "token": "vk1.a.service", "reply_token": "vk1.a.community"},
    }
    created = client.post("/api/v1/sources", json=vk).json()
    assert created["options"] == {"owner_id": -1, "token": "••••••", "reply_token": "••••••"}
    listed = client.get("/api/v1/sources").text
    assert "vk1.a." not in listed
    # a client that sends back what it was shown keeps the stored credentials
    changed = client.patch(
        f"/api/v1/sources/{created['id']}",
        json={"options": {**created["options"], "owner_id": -2}},
    )
    assert changed.status_code == 200 and changed.json()["options"]["owner_id"] == -2
    with Session(engine) as session:
        stored = session.get(Source, created["id"])
        assert stored is not None
        assert stored.options == {
            "owner_id": -2,
            "token": "vk1.a.service",
            "reply_token": "vk1.a.community",
        }
