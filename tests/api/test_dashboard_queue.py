"""The dashboard's queue reads open cases in SQL: hundreds of closed ones hide nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desk.alerts.policy import AlertPolicy
from desk.queries import CaseFilter, list_cases
from desk.replies import draft
from desk.triage import triage
from models import ApiKey, Case, CaseState, Reply, ReplyStage, Role
from tests.utils.dashboard import csrf_of, signed_in, visible_text
from tests.utils.factories import make_brand, make_mention, make_source
from tests.utils.keys import make_key

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_600_closed_cases_and_one_open_the_queue_shows_it(
    client: TestClient, engine: Engine
) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session, "Acme"))
        mentions = [make_mention(session, source, f"m{i}") for i in range(601)]
        assert source.brand_id is not None
        rows = [
            {
                "brand_id": source.brand_id,
                "mention_id": m.id,
                "state": CaseState.closed if i < 600 else CaseState.new,
                "reason": "negative",
                "opened_at": NOW,
                "updated_at": NOW,
                # the closed cases' deadlines come first in the sort
                "first_reply_start": NOW - timedelta(days=10),
                "first_reply_due_at": NOW - timedelta(days=9) + timedelta(minutes=i),
                "first_reply_basis": "published",
                "first_reply_sla": "met" if i < 600 else "on_track",
                "priority": "normal",
            }
            for i, m in enumerate(mentions)
        ]
        session.execute(insert(Case), rows)
        session.commit()
        [(open_case, brand)] = list_cases(
            session, filters=CaseFilter(awaiting_reply=True), limit=500
        )
        assert (open_case.state, brand) == (CaseState.new, "Acme")
    page = signed_in(client, engine).get("/dashboard/")
    assert page.status_code == 200
    assert f'href="/dashboard/cases/{open_case.id}"' in page.text


def test_a_refused_approval_is_explained_on_the_case_page(
    client: TestClient, engine: Engine
) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session, "Acme"))
        mention = make_mention(session, source, "m1", text="Acme: всё сломалось", author="Анна")
        mention.sentiment_label = "negative"
        case = triage(session, mention, AlertPolicy(), now=NOW)
        assert case is not None
        reply = draft(session, case, ReplyStage.resolution, now=NOW)  # a template's placeholders
        session.commit()
        case_id, reply_id = case.id, reply.id
    browser = signed_in(client, engine)
    page = browser.get(f"/dashboard/cases/{case_id}").text
    token = csrf_of(page)
    answer = browser.post(
        f"/dashboard/cases/{case_id}/replies/{reply_id}/approve",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert 'class="flash error" role="alert">fill in the placeholders before it goes out:' in (
        answer.text
    )
    assert "flash error" not in browser.get(f"/dashboard/cases/{case_id}").text  # shown once


def test_the_login_page_says_how_to_get_a_key(client: TestClient) -> None:
    for lang, words in (("en", "No key yet?"), ("ru", "Ключа ещё нет?")):
        page = client.get("/dashboard/login", params={"lang": lang}).text
        assert words in page
        assert "<code>svetofor keys create --role smm</code>" in page


def test_a_draft_is_edited_on_the_case_page(client: TestClient, engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session, "Acme"))
        mention = make_mention(session, source, "m1", text="Acme: всё сломалось", author="Анна")
        mention.sentiment_label = "negative"
        case = triage(session, mention, AlertPolicy(), now=NOW)
        assert case is not None
        reply = draft(session, case, ReplyStage.acknowledgement, now=NOW)
        session.commit()
        case_id, reply_id = case.id, reply.id
    browser = signed_in(client, engine)
    page = browser.get(f"/dashboard/cases/{case_id}").text
    assert f'action="/dashboard/cases/{case_id}/replies/{reply_id}/edit"' in page
    assert 'class="another-draft"' in page  # the new-draft form hides behind "another"
    token = csrf_of(page)
    saved = browser.post(
        f"/dashboard/cases/{case_id}/replies/{reply_id}/edit",
        data={"csrf_token": token, "text": "Анна, видим, разбираемся до пятницы."},
        follow_redirects=True,
    )
    assert "Анна, видим, разбираемся до пятницы." in saved.text
    approved = browser.post(
        f"/dashboard/cases/{case_id}/replies/{reply_id}/approve",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "flash error" not in approved.text  # filled in: it may go out


# internal identifiers never shown, in either language
IDENTIFIERS = (
    "on_track", "at_risk", "sla_changed", "reply_drafted", "reply_posted", "reply_approved",
    "mention_added", "first_reply", "priority_changed",
)  # fmt: skip
# the internal English values a Russian page must translate
ENGLISH_VALUES = ("breached", "acknowledged", "dismissed", "urgent", "negative", "draft")


def test_pages_show_people_words_not_internal_values(client: TestClient, engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session, "Acme"))
        two_days_ago = datetime.now(UTC) - timedelta(days=2)
        mention = make_mention(
            session,
            source,
            "m1",
            text="Acme: всё сломалось",
            author="Анна",
            published_at=two_days_ago,
        )
        mention.sentiment_label, mention.rating = "negative", 1
        case = triage(session, mention, AlertPolicy())  # found two days late: overdue
        assert case is not None
        draft(session, case, ReplyStage.acknowledgement, now=NOW)
        session.commit()
        case_id = case.id
    browser = signed_in(client, engine)
    for lang in ("ru", "en"):
        for path in ("/dashboard/", f"/dashboard/cases/{case_id}", "/dashboard/mentions"):
            text = visible_text(browser.get(path, params={"lang": lang}).text)
            raw = IDENTIFIERS + (ENGLISH_VALUES if lang == "ru" else ())
            found = [word for word in raw if re.search(rf"\b{word}\b", text)]
            assert found == [], (lang, path)
    ru = visible_text(browser.get(f"/dashboard/cases/{case_id}", params={"lang": "ru"}).text)
    assert "просрочено" in ru and "негатив" in ru and "черновик" in ru


def test_times_show_in_the_users_zone_which_their_key_keeps(
    client: TestClient, engine: Engine
) -> None:
    published = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
    with Session(engine) as session:
        source = make_source(session, make_brand(session, "Acme"))
        make_mention(session, source, "m1", text="Acme опять опоздал", published_at=published)
        session.commit()
    browser = signed_in(client, engine)
    assert "2026-11-30 09:05 UTC" in browser.get("/dashboard/mentions").text  # the default
    page = browser.get("/dashboard/mentions").text
    token = csrf_of(page)
    moved = browser.post(
        "/dashboard/timezone",
        data={
            "csrf_token": token,
            "timezone": "Europe/Moscow",
            "next": "/dashboard/mentions",
        },
        follow_redirects=True,
    )
    assert "2026-11-30 12:05 MSK" in moved.text  # 09:05 UTC is 12:05 in Moscow, zone shown
    wrong = browser.post(
        "/dashboard/timezone",
        data={
            "csrf_token": token,
            "timezone": "Mars/Olympus",
            "next": "/dashboard/mentions",
        },
        follow_redirects=True,
    )
    assert "unknown time zone &#39;Mars/Olympus&#39;" in wrong.text
    assert "12:05 MSK" in wrong.text  # unchanged
    with Session(engine) as session:
        zones = {k.timezone for k in session.exec(select(ApiKey)) if k.role.value == "smm"}
    assert zones == {"Europe/Moscow"}  # kept with the key for the next sign-in


def test_errors_in_the_dashboard_are_pages_in_the_users_language(
    client: TestClient, engine: Engine
) -> None:
    browser = signed_in(client, engine)
    missing = browser.get("/dashboard/cases/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "Не найдено" in missing.text and "case 999999 not found" in missing.text
    expired = browser.post("/dashboard/cases/999999/dismiss", data={"reason": "x"})
    assert expired.status_code == 403
    assert "Форма устарела" in expired.text
    token = csrf_of(browser.get("/dashboard/").text)
    bad = browser.post("/dashboard/mentions/1/label", data={"csrf_token": token, "label": "red"})
    assert bad.status_code == 422
    assert "Часть данных не принята" in bad.text and "label:" in bad.text
    english = browser.get("/dashboard/cases/999999?lang=en")
    assert "Not found" in english.text and "Back to the dashboard" in english.text
    # the JSON API keeps answering JSON
    api = client.get("/api/v1/cases/999999", headers={"Authorization": "Bearer nope"})
    assert api.headers["content-type"].startswith("application/json")


def test_a_marketer_opening_the_queue_gets_a_page_not_json(
    client: TestClient, engine: Engine
) -> None:
    client.headers.pop("Authorization", None)
    key = make_key(engine, Role.marketer)
    token = csrf_of(client.get("/dashboard/login").text)
    client.post("/dashboard/login", data={"key": key, "csrf_token": token})
    page = client.get("/dashboard/")
    assert page.status_code == 403
    assert "Вашей роли сюда нельзя." in page.text
    assert 'href="/dashboard/mentions"' in page.text


def test_a_template_is_picked_and_previewed_filled_in_before_drafting(
    client: TestClient, engine: Engine
) -> None:
    from desk.templates import ensure_default_templates

    with Session(engine) as session:
        ensure_default_templates(session)
        source = make_source(session, make_brand(session, "Acme"))
        mention = make_mention(session, source, "m1", text="Всё сломалось", author="Анна")
        mention.sentiment_label, mention.lang = "negative", "ru"
        case = triage(session, mention, AlertPolicy(), now=NOW)
        assert case is not None
        # the first reply is out: the resolution stage is next, whose template needs a person
        case.first_replied_at, case.state = NOW, CaseState.acknowledged
        session.add(case)
        session.commit()
        case_id = case.id
    browser = signed_in(client, engine)
    page = browser.get(f"/dashboard/cases/{case_id}").text
    assert '<option value="default-resolution-ru">' in page
    assert '<option value="default-acknowledgement-ru">' not in page  # another stage
    preview = browser.post(
        f"/dashboard/cases/{case_id}/preview",
        data={"csrf_token": csrf_of(page), "template": "default-resolution-ru"},
    )
    assert preview.status_code == 200
    text = re.search(r'<textarea name="text"[^>]*id="draft-text">([^<]*)</textarea>', preview.text)
    assert text is not None and text.group(1).startswith("Анна, возвращаемся, как обещали.")
    unfilled = re.search(r'id="unfilled">(.*?)</p>', preview.text, flags=re.S)
    assert unfilled is not None
    assert "[что мы выяснили]" in unfilled.group(1) and "[что мы изменили]" in unfilled.group(1)
    with Session(engine) as session:  # nothing was stored by the preview
        assert session.exec(select(Reply).where(Reply.case_id == case_id)).first() is None
    drafted = browser.post(
        f"/dashboard/cases/{case_id}/replies",
        data={
            "csrf_token": csrf_of(page),
            "stage": "resolution",
            "template": "default-resolution-ru",
        },
        follow_redirects=True,
    )
    assert "Анна, возвращаемся, как обещали." in drafted.text
    refused = browser.post(
        f"/dashboard/cases/{case_id}/preview",
        data={"csrf_token": csrf_of(page), "template": "default-acknowledgement-ru"},
    )
    assert "is for the acknowledgement stage" in refused.text  # said on the page


def test_an_empty_brand_says_why_its_chart_is_empty(client: TestClient, engine: Engine) -> None:
    from api.dashboard.chart import nice_step

    assert [nice_step(n) for n in (0, 3, 7, 18, 45, 230)] == [1, 1, 2, 5, 20, 100]
    with Session(engine) as session:
        brand = make_brand(session, "Пусто")
        source = make_source(session, brand, "empty-feed")
        source.health = "failing"
        session.add(source)
        session.commit()
    browser = signed_in(client, engine)
    page = browser.get("/dashboard/brands/Пусто").text
    assert 'id="no-sentiment"' in page and "Источников бренда с ошибками: 1." in page
    assert 'id="sentiment-chart"' not in page
    assert "Упоминаний: 0" in page


def test_the_queue_says_when_no_alert_channel_is_set_up(client: TestClient, engine: Engine) -> None:
    page = signed_in(client, engine).get("/dashboard/").text
    assert 'id="no-alert-channels"' in page and "SVETOFOR_ALERT_WEBHOOK_URL" in page


def test_brands_show_share_of_voice_and_pages_take_a_period(
    client: TestClient, engine: Engine
) -> None:
    from api.dashboard.pages.brands import period

    with Session(engine) as session:
        acme = make_source(session, make_brand(session, "Acme"), "acme-feed")
        globex = make_source(session, make_brand(session, "Globex"), "globex-feed")
        for i in range(3):
            m = make_mention(session, acme, f"a{i}", published_at=NOW - timedelta(days=2))
            m.sentiment_label = "positive"
        g = make_mention(session, globex, "g0", published_at=NOW - timedelta(days=2))
        g.sentiment_label = "negative"
        old = make_mention(session, globex, "g-old", published_at=NOW - timedelta(days=90))
        old.sentiment_label = "negative"
        session.commit()
    browser = signed_in(client, engine)

    def shares(page: str) -> dict[str, str]:
        cells = r'data-brand="(\w+)">.*?<td class="share">(\d+%)</td>'
        return dict(re.findall(cells, page, re.S))

    assert shares(browser.get("/dashboard/brands").text) == {"Acme": "75%", "Globex": "25%"}
    day = (NOW - timedelta(days=90)).date().isoformat()
    older = browser.get("/dashboard/brands", params={"from": day, "to": day}).text
    assert dict(
        re.findall(r'data-brand="(\w+)">.*?<td class="share">(\d+%)</td>', older, re.S)
    ) == {
        "Acme": "0%",
        "Globex": "100%",
    }
    brand = browser.get("/dashboard/brands/Globex", params={"from": day, "to": day}).text
    assert "Тональность за 1 дн." in brand and "Упоминаний: 1" in brand
    start, end = period("2026-12-10", "2026-12-01", "Europe/Moscow")  # reversed: swapped
    assert (start.isoformat(), end.isoformat()) == (
        "2026-12-01T00:00:00+03:00",
        "2026-12-11T00:00:00+03:00",
    )
    start, _ = period("2020-01-01", "2026-12-01", "UTC")  # at most a year
    assert start.date().isoformat() == "2025-12-01"


def test_response_kpis_week_by_week(client: TestClient, engine: Engine) -> None:
    from analytics.kpis import weekly_kpis
    from models import Sla

    start = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
    with Session(engine) as session:
        source = make_source(session, make_brand(session, "Acme", alert_window=0))
        replies = ((1, Sla.met, 2), (2, Sla.missed, 30), (9, Sla.met, 4))
        for i, (day, sla, hours) in enumerate(replies):
            opened = start + timedelta(days=day)
            mention = make_mention(session, source, f"k{i}", author=f"a{i}", published_at=opened)
            mention.sentiment_label = "negative"
            case = triage(session, mention, AlertPolicy(), now=opened)
            assert case is not None
            case.first_reply_sla, case.first_replied_at = (
                sla,
                case.first_reply_start + timedelta(hours=hours),
            )
            session.add(case)
        session.commit()
        brand_id = case.brand_id
        weeks = weekly_kpis(
            session, brand_id=brand_id, since=start, until=start + timedelta(days=14)
        )
    assert [
        (w["cases_opened"], w["share_within_deadline"], w["median_hours_to_first_reply"])
        for w in weeks
    ] == [
        (2, 0.5, 16.0),
        (1, 1.0, 4.0),
    ]
    page = (
        signed_in(client, engine)
        .get("/dashboard/brands/Acme", params={"from": "2026-11-02", "to": "2026-11-15"})
        .text
    )
    rows = re.findall(r'<tr class="week-row"><td>([^<]+)</td><td>(\d+)</td><td>([^<]+)</td>', page)
    assert rows == [("2026-11-02", "2", "50%"), ("2026-11-09", "1", "100%")]
