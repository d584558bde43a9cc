"""The dashboard in headless Chromium: sign in, the queue by deadline, a case worked through
both reply stages, the chart, and review text that must never run as markup.

Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.main import create_app
from core.config import Settings
from desk.alerts.channels import DASHBOARD, DashboardChannel
from desk.alerts.delivery import deliver_due
from desk.alerts.policy import AlertPolicy
from desk.replies import draft
from desk.triage import triage
from models import Case, CaseState, ReplyStage, Role
from services.mention_store import MentionData, upsert_mention
from tests.utils.factories import make_brand, make_source
from tests.utils.keys import make_key

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
XSS = '<img src=x onerror=alert(1)> и <script>alert("xss")</script> Колибри опоздал'

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)"
)
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def server(settings: Settings, engine: Engine) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, engine), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def seeded(engine: Engine) -> dict[str, object]:
    now = datetime.now(UTC).replace(microsecond=0)
    cases = {}
    with Session(engine) as session:
        brand = make_brand(session, "Колибри", keywords=["Колибри"])
        source = make_source(
            session, brand, "reviews", kind="html", url="https://reviews.example/kolibri"
        )
        for external_id, hours_ago, text, day in (
            ("late", 22, "Курьер опоздал на два часа", 0),
            ("xss", 5, XSS, 0),
            ("soon", 12, "Суп холодный", 0),
        ):
            published = now - timedelta(hours=hours_ago)
            mention, _ = upsert_mention(
                session,
                source,
                MentionData(
                    external_id=external_id,
                    text=text,
                    author=f"Автор {external_id}",
                    published_at=published,
                    rating=1,
                    lang="ru",
                ),
                now=published,
            )
            mention.sentiment_label, mention.sentiment_score = "negative", 0.95
            mention.model_label, mention.model_score = "negative", 0.95  # as the worker stores
            for days in range(day, 5):  # some history for the chart
                extra, _ = upsert_mention(
                    session,
                    source,
                    MentionData(
                        external_id=f"{external_id}-{days}",
                        text="Колибри хорош",
                        published_at=now - timedelta(days=days, hours=1),
                    ),
                )
                extra.sentiment_label = extra.model_label = "positive"
            # no channel is set up: the alerts go to the dashboard's own log
            case = triage(session, mention, AlertPolicy(channels=(DASHBOARD,)), now=published)
            assert case is not None
            cases[external_id] = case.id
        session.commit()
    assert deliver_due(engine, {DASHBOARD: DashboardChannel()}) == 3
    return {
        "cases": cases,
        "smm": make_key(engine, Role.smm),
        "marketer": make_key(engine, Role.marketer),
    }


def browser_page(p):
    browser = p.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    page = browser.new_page(locale="ru-RU")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return browser, page, dialogs


def sign_in(page, base: str, key: str) -> None:
    page.goto(f"{base}/dashboard/")
    assert page.url.endswith("/dashboard/login")
    page.fill("input[name=key]", key)
    page.click("#sign-in")


def test_smm_works_the_queue_end_to_end(server: str, seeded: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cases = seeded["cases"]
    with playwright_api.sync_playwright() as p:
        browser, page, dialogs = browser_page(p)
        sign_in(page, server, seeded["smm"])
        page.wait_for_selector("table.queue")
        order = page.eval_on_selector_all("tr.case-row", "rows => rows.map(r => +r.dataset.caseId)")
        assert order == [cases["late"], cases["soon"], cases["xss"]]  # by deadline
        page.wait_for_function("document.querySelector('.countdown').textContent.includes('ч')")
        first = page.text_content("tr.case-row .countdown") or ""
        assert first.startswith(("через 1 ч", "через 2 ч")), first  # in the page's language
        page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)

        # A case whose text is hostile markup shows it as text and runs nothing.
        page.click(f"tr[data-case-id='{cases['xss']}'] a")
        page.wait_for_selector(".mention-text")
        assert page.text_content(".mention-text") == XSS
        assert page.query_selector(".mention-text img") is None
        assert page.query_selector(".mention-text script") is None
        page.screenshot(path=str(ARTIFACTS / "case-xss.png"), full_page=True)

        # Stage one: draft from the template, approve, mark posted.
        with page.expect_navigation():
            page.click("form.draft-form button.draft")
        page.wait_for_selector(".reply[data-stage='acknowledgement']")
        assert "не позднее" in (page.text_content(".reply-text") or "")
        page.click(".reply button.approve")
        page.wait_for_selector(".reply .reply-status[data-status='approved']")
        page.fill(".posted-form input[name=url]", "https://reviews.example/kolibri#answer-1")
        with page.expect_navigation():
            page.click(".posted-form button.mark-posted")
        page.wait_for_selector("h1 .state[data-state='acknowledged']")
        assert page.text_content("h1 .state") == "первый ответ дан"
        assert page.get_attribute(".deadlines b", "data-sla") == "met"
        assert "успели" in (page.text_content(".deadlines") or "")

        # Stage two: the resolution, written by hand, posted.
        page.fill("form.draft-form textarea[name=text]", "Разобрались: курьер <b>сменён</b>.")
        with page.expect_navigation():
            page.click("form.draft-form button.draft")
        try:
            page.wait_for_selector(".reply[data-stage='resolution']", timeout=10_000)
        except playwright_api.TimeoutError:
            (ARTIFACTS / "failure.html").write_text(page.content(), encoding="utf-8")
            raise
        page.click(".reply[data-stage='resolution'] .posted-form button.mark-posted")
        page.wait_for_selector("h1 .state[data-state='resolved']")
        assert "Разобрались: курьер <b>сменён</b>." in (
            page.content().replace("&lt;", "<").replace("&gt;", ">")
        )
        page.screenshot(path=str(ARTIFACTS / "case-resolved.png"), full_page=True)

        # The brand page draws the sentiment chart.
        page.goto(f"{server}/dashboard/brands/Колибри")
        page.wait_for_selector("#sentiment-chart rect")
        assert page.eval_on_selector_all("#sentiment-chart rect.bar-positive", "r => r.length") >= 4
        legend = page.text_content("#chart-legend") or ""
        assert "негатив" in legend and "позитив" in legend
        ticks = page.eval_on_selector_all(
            "#sentiment-chart text.tick", "t => t.map(x => +x.textContent)"
        )
        assert ticks[0] == 0 and ticks == sorted(ticks) and len(ticks) >= 2
        dates = page.eval_on_selector_all(
            "#sentiment-chart text.date", "t => t.map(x => x.textContent)"
        )
        months = (
            "янв",
            "фев",
            "мар",
            "апр",
            "мая",
            "июн",
            "июл",
            "авг",
            "сен",
            "окт",
            "ноя",
            "дек",
        )
        assert dates and all(d.split()[1] in months for d in dates)
        summary = page.text_content("#sentiment-summary") or ""
        assert summary.startswith("Упоминаний: 18 — негатив 3, нейтрально 0, позитив 15.")
        assert "позитив − негатив" in (page.text_content("#net-explained") or "")
        page.screenshot(path=str(ARTIFACTS / "brand.png"), full_page=True)
        assert dialogs == []
        browser.close()


def test_marketer_sees_charts_not_the_queue_and_forms_need_csrf(
    server: str,
    seeded: dict,
) -> None:
    with playwright_api.sync_playwright() as p:
        browser, page, _ = browser_page(p)
        sign_in(page, server, seeded["marketer"])
        page.wait_for_url("**/dashboard/brands")
        menu = page.eval_on_selector_all("header nav a", "links => links.map(a => a.pathname)")
        assert menu == ["/dashboard/mentions", "/dashboard/brands", "/dashboard/sources"]
        response = page.goto(f"{server}/dashboard/")
        assert response is not None and response.status == 403
        cookie = next(c for c in page.context.cookies() if c["name"] == "svetofor_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        # A form post without the session's CSRF token is refused.
        forged = page.request.post(f"{server}/dashboard/cases/1/dismiss", form={"reason": "spam"})
        assert forged.status == 403
        browser.close()


def test_a_wrong_key_is_refused(server: str, seeded: dict) -> None:
    with playwright_api.sync_playwright() as p:
        browser, page, _ = browser_page(p)
        sign_in(page, server, "svf_wrong")
        assert page.text_content(".error") == "Ключ неизвестен или отозван."
        browser.close()


def test_sources_page_shows_crawl_status(server: str, seeded: dict, engine: Engine) -> None:
    from models import CrawlRun, CrawlStatus

    with Session(engine) as session:
        session.add(
            CrawlRun(
                source_id=1,
                status=CrawlStatus.blocked,
                error_summary="blocked: captcha at https://reviews.example/kolibri",
                counts={"new": 0},
            )
        )
        session.commit()
    with playwright_api.sync_playwright() as p:
        browser, page, _ = browser_page(p)
        sign_in(page, server, seeded["smm"])
        page.goto(f"{server}/dashboard/sources?lang=en")
        page.wait_for_selector("tr.source-row.status-blocked")
        assert "blocked: captcha" in (page.text_content("tr.source-row") or "")
        assert page.text_content("h1") == "Sources"
        with page.expect_navigation():
            page.click("tr.source-row[data-source=reviews] .crawl-now")
        assert "reviews will be crawled within seconds." in (page.text_content(".flash") or "")
        row = page.text_content("tr.source-row[data-source=reviews]") or ""
        assert "crawl asked for, starting" in row
        assert not page.is_visible("tr.source-row[data-source=reviews] .crawl-now")
        page.screenshot(path=str(ARTIFACTS / "sources.png"), full_page=True)
        browser.close()
    from crawlers.scheduler import due_sources

    with Session(engine) as session:  # the scheduler's next tick takes it, schedule or not
        assert [s.name for s in due_sources(session)] == ["reviews"]
        session.add(CrawlRun(source_id=1, status=CrawlStatus.running, counts={}))
        session.commit()
        assert due_sources(session) == []  # the run started: the request is done


def test_api_docs_render_with_the_network_blocked(server: str) -> None:
    # a self-hosted, air-gapped install: Swagger UI and ReDoc come from the service itself
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []

    def only_local(route) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with playwright_api.sync_playwright() as p:
        browser, page, _ = browser_page(p)
        page.route("**/*", only_local)
        page.goto(f"{server}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/v1/mentions" in {p.replace("\u200b", "") for p in paths}
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
        page.goto(f"{server}/redoc")
        page.wait_for_selector("h1", timeout=20_000)
        assert "Svetofor" in page.locator("h1").first.inner_text()
        browser.close()
    # only ReDoc's "built with" footer logo is asked of the internet; blocked, nothing is lost
    assert outside == ["https://cdn.redoc.ly/redoc/logo-mini.svg"]


def test_the_mention_browser_finds_a_word_in_any_form_and_filters(
    server: str, seeded: dict
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser, page, dialogs = browser_page(p)
        sign_in(page, server, seeded["smm"])
        page.goto(f"{server}/dashboard/mentions")
        page.wait_for_selector(".mention-row")
        assert page.locator(".mention-row").count() == 18  # every mention, green ones too
        page.fill("input[name=q]", "курьера")  # the review says "Курьер"
        with page.expect_navigation():
            page.click("#apply-filters")
        ids = page.eval_on_selector_all(
            ".mention-row", "rows => rows.map(r => r.dataset.externalId)"
        )
        assert ids == ["late"]
        assert "негатив" in (page.text_content(".mention-row .meta") or "")
        page.fill("input[name=q]", "")
        page.select_option("select[name=label]", "positive")
        with page.expect_navigation():
            page.click("#apply-filters")
        assert page.locator(".mention-row.light-positive").count() == 15
        assert page.locator(".mention-row.light-negative").count() == 0
        page.screenshot(path=str(ARTIFACTS / "mentions.png"), full_page=True)
        page.fill("input[name=q]", "пицца")
        with page.expect_navigation():
            page.click("#apply-filters")
        assert page.is_visible("#no-mentions")
        assert dialogs == []
        browser.close()


def test_queue_case_and_mentions_fit_a_390_px_phone(server: str, seeded: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser, page, _ = browser_page(p)
        page.set_viewport_size({"width": 390, "height": 844})
        sign_in(page, server, seeded["smm"])
        page.wait_for_selector("table.queue")
        for name, path in (
            ("queue", "/dashboard/"),
            ("case", f"/dashboard/cases/{seeded['cases']['late']}"),
            ("mentions", "/dashboard/mentions"),
            ("alerts", "/dashboard/alerts"),
        ):
            page.goto(f"{server}{path}")
            page.wait_for_load_state("load")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (name, width)  # no horizontal scroll
            sign_out = page.locator("header button.link")
            box = sign_out.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390, name  # "Выйти" on screen
            page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.click("#nav-alerts")
        page.wait_for_selector("li.alert-row")
        assert page.locator("li.alert-row").count() == 3
        assert page.locator("li.alert-row .alert-kind").first.inner_text() == "новое обращение"
        assert page.locator("li.alert-row .alert-status").first.inner_text() == "доставлено"
        page.screenshot(path=str(ARTIFACTS / "alerts.png"), full_page=True)
        browser.close()


def test_a_wrong_light_is_corrected_in_one_click_and_undone_in_one(
    server: str, seeded: dict, engine: Engine
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser, page, dialogs = browser_page(p)
        sign_in(page, server, seeded["smm"])
        page.goto(f"{server}/dashboard/mentions?label=positive")
        with page.expect_navigation():
            page.click(".mention-row .open-mention")
        mention_url = page.url
        assert (page.text_content(".light-label") or "").strip() == "позитив"
        with page.expect_navigation():
            page.click(".set-label-negative")  # sarcasm, say: it is a complaint
        assert "Цвет: негатив" in (page.text_content(".flash") or "")
        assert (page.text_content(".light-label") or "").strip() == "негатив"
        assert "модель сказала: позитив" in (page.text_content(".label-control") or "")
        assert page.is_visible("#mention-case")  # a correction to negative opens a case
        case_path = page.get_attribute("#mention-case", "href")
        page.screenshot(path=str(ARTIFACTS / "mention-corrected.png"), full_page=True)
        with page.expect_navigation():
            page.click(".undo-label")
        assert page.url == mention_url
        assert (page.text_content(".light-label") or "").strip() == "позитив"
        assert "Исправление отменено" in (page.text_content(".flash") or "")
        page.goto(f"{server}{case_path}")
        assert page.get_attribute(".state", "data-state") == "dismissed"  # undone untouched

        # on a case: the mention is not negative after all; dismissal is offered
        page.goto(f"{server}/dashboard/cases/{seeded['cases']['soon']}")
        with page.expect_navigation():
            page.click(".set-label-neutral")
        assert page.url.endswith(f"/dashboard/cases/{seeded['cases']['soon']}")
        assert page.is_visible("#suggestion")
        with page.expect_navigation():
            page.click(".dismiss-not-negative")
        assert page.url.endswith("/dashboard/")
        assert dialogs == []
        browser.close()
    with Session(engine) as session:
        case = session.get(Case, seeded["cases"]["soon"])
        assert case is not None
        assert (case.state, case.dismiss_reason) == (CaseState.dismissed, "not negative")


def test_the_queue_is_a_shared_inbox(server: str, seeded: dict, engine: Engine) -> None:
    with Session(engine) as session:  # a draft waits for approval on one case
        case = session.get(Case, seeded["cases"]["late"])
        assert case is not None
        draft(session, case, ReplyStage.acknowledgement, text="Видим, разбираемся")
        session.commit()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def rows(page) -> list[int]:
        return page.eval_on_selector_all(".case-row", "rs => rs.map(r => +r.dataset.caseId)")

    with playwright_api.sync_playwright() as p:
        browser, page, dialogs = browser_page(p)
        sign_in(page, server, seeded["smm"])
        assert sorted(rows(page)) == sorted(seeded["cases"].values())
        late = page.locator(f".case-row[data-case-id='{seeded['cases']['late']}']")
        assert late.locator(".reply-waiting").text_content() == "черновик ждёт согласования"

        page.fill("#queue-filters input[name=q]", "курьера")  # "Курьер опоздал…"
        with page.expect_navigation():
            page.click("#apply-queue-filters")
        assert rows(page) == [seeded["cases"]["late"]]
        page.goto(f"{server}/dashboard/")

        soon = seeded["cases"]["soon"]
        with page.expect_navigation():
            page.click(f".case-row[data-case-id='{soon}'] .take")
        assignee = page.text_content(f".case-row[data-case-id='{soon}'] .assignee") or ""
        assert assignee.startswith("test smm")
        page.goto(f"{server}/dashboard/?assignee=me")
        assert rows(page) == [soon]

        page.goto(f"{server}/dashboard/")
        for name in ("late", "xss"):
            page.check(f".case-row[data-case-id='{seeded['cases'][name]}'] .pick")
        page.fill("#bulk-reason", "спам")
        with page.expect_navigation():
            page.click("#bulk-dismiss")
        assert "Отклонено обращений: 2." in (page.text_content(".flash") or "")
        assert rows(page) == [soon]
        page.screenshot(path=str(ARTIFACTS / "queue-bulk-dismissed.png"), full_page=True)
        page.goto(f"{server}/dashboard/?view=archive")
        assert sorted(rows(page)) == sorted([seeded["cases"]["late"], seeded["cases"]["xss"]])
        assert "спам" in (page.text_content(".queue") or "")
        page.goto(f"{server}/dashboard/")
        assert not page.is_visible("#undo-dismiss")  # the offer is shown once, right after

        page.check(f".case-row[data-case-id='{soon}'] .pick")
        with page.expect_navigation():
            page.click("#bulk-dismiss")  # no reason given
        assert "Укажите причину" in (page.text_content(".flash") or "")
        page.check("#select-all")
        page.fill("#bulk-reason", "не о нас")
        with page.expect_navigation():
            page.click("#bulk-dismiss")
        assert rows(page) == []
        with page.expect_navigation():
            page.click("#undo-dismiss button")
        assert rows(page) == [soon]
        assert "Возвращено в очередь: 1." in (page.text_content(".flash") or "")
        assert dialogs == []
        browser.close()
    with Session(engine) as session:
        back_case = session.get(Case, soon)
        assert back_case is not None and back_case.state == CaseState.new
        assert back_case.dismiss_reason is None


def test_every_page_loads_without_a_console_error(server: str, seeded: dict) -> None:
    """A missing asset, a script error or a CSP violation shows in the console first."""
    cases = seeded["cases"]
    with playwright_api.sync_playwright() as p:
        browser, page, _ = browser_page(p)
        problems: list[str] = []
        page.on(
            "console",
            lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
        sign_in(page, server, seeded["smm"])
        page.wait_for_selector("table.queue")
        paths = [
            "/dashboard/",
            f"/dashboard/cases/{cases['late']}",
            "/dashboard/mentions",
            "/dashboard/mentions?uncertain=true",
            "/dashboard/brands",
            "/dashboard/brands/Колибри",
            "/dashboard/sources",
            "/dashboard/alerts",
            "/docs",
        ]
        for path in paths:
            page.goto(f"{server}{path}")
            page.wait_for_load_state("networkidle")
        browser.close()
    assert problems == []
