"""`svetofor crawl` end to end: real spiders, real pipeline, a local site, a real database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.timeutil import utcnow
from crawlers.scheduler import CrawlScheduler
from desk.alerts.policy import AlertPolicy
from desk.source_health import HealthRules, check_source_health
from models import AlertDelivery, CrawlRun, CrawlStatus, Mention
from tests.crawlers.paths import REALPAGES, needs_realpages
from tests.crawlers.site import Site, serve
from tests.utils.backends import SQLITE_ONLY
from tests.utils.cli import run_on_terminal
from tests.utils.factories import make_brand, make_source

SVETOFOR = str(Path(sys.executable).with_name("svetofor"))
# What a spider fetches and parses does not depend on the database: those tests run on SQLite
# only (each is a crawl subprocess of seconds). Storing, revisions, resuming, runs and their
# recovery run on both databases.
SPIDER_ONLY = SQLITE_ONLY
FAST = [
    "--set",
    "AUTOTHROTTLE_ENABLED=false",
    "--set",
    "RETRY_BACKOFF_BASE=0",
    "--set",
    "RETRY_TIMES=1",
    "--set",
    "DOWNLOAD_TIMEOUT=10",
]


def review(
    rid: str,
    text: str,
    *,
    rating: int = 2,
    date: str = "2026-11-20T10:00:00+03:00",
    author: str = "Анна",
) -> str:
    return (
        f'<article class="review" data-review-id="{rid}" lang="ru">'
        f'<a class="author" href="/u/{rid}">{author}</a>'
        f'<span class="rating" data-rating="{rating}"></span>'
        f'<time datetime="{date}">{date}</time><h2 class="title">'
        f'<a class="permalink" href="/reviews#{rid}">О сервисе</a></h2>'
        f'<div class="text">{text}</div></article>'
    )


def page(reviews: list[str], next_page: int | None = None) -> str:
    nav = f'<a class="next" href="/reviews?page={next_page}">next</a>' if next_page else ""
    return f"<html><body>{''.join(reviews)}{nav}</body></html>"


def review_site(site: Site, pages: int = 3, per_page: int = 3) -> None:
    for number in range(1, pages + 1):
        ids = [f"r{number}{i}" for i in range(per_page)]
        body = page(
            [review(rid, f"Отзыв {rid}: доставка опоздала") for rid in ids],
            number + 1 if number < pages else None,
        )
        site.add(f"/reviews?page={number}", body)
    site.pages["/reviews"] = site.pages["/reviews?page=1"]


@pytest.fixture
def site() -> Iterator[Site]:
    with serve(Site()) as running:
        yield running


def crawl(tmp_path: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVETOFOR_")}
    env.update(SVETOFOR_DATABASE_URL=db_url, SVETOFOR_DATA_DIR=str(tmp_path / "var"))
    return subprocess.run(
        [SVETOFOR, "crawl", *FAST, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def add_source(engine: Engine, name: str, url: str, kind: str = "html", **options: Any) -> None:
    with Session(engine) as session:
        from models import Brand

        brand = session.exec(select(Brand)).first() or make_brand(
            session, "Колибри", keywords=["Колибри", "Kolibri"], exclude=["колибри вакансии"]
        )
        if kind == "html":
            options.setdefault("profile", "demo-reviews")
        make_source(
            session, brand, name, kind=kind, url=url, options=options, timezone="Europe/Moscow"
        )
        session.commit()


def stored(engine: Engine) -> dict[str, Mention]:
    with Session(engine) as session:
        return {m.external_id: m for m in session.exec(select(Mention))}


def last_run(engine: Engine) -> CrawlRun:
    with Session(engine) as session:
        return session.exec(select(CrawlRun).order_by(col(CrawlRun.id).desc())).first()  # type: ignore[return-value]


def test_pages_through_then_a_second_crawl_adds_nothing(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    review_site(site)
    add_source(engine, "reviews", site.url("/reviews"))

    first = crawl(tmp_path, db_url, "reviews")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("reviews: ok — 9 new, 0 updated, 0 unchanged, 0 dropped")
    mentions = stored(engine)
    assert sorted(mentions) == sorted(f"r{p}{i}" for p in (1, 2, 3) for i in range(3))
    r10 = mentions["r10"]
    assert (r10.rating, r10.author, r10.lang) == (2, "Анна", "ru")
    assert r10.published_at is not None
    assert r10.published_at.isoformat() == "2026-11-20T07:00:00+00:00"  # Moscow → UTC

    site.requests.clear()
    second = crawl(tmp_path, db_url, "reviews")
    assert second.stdout.startswith("reviews: ok — 0 new, 0 updated, 3 unchanged, 0 dropped")
    # The first page held only known reviews: paging stopped there.
    assert [r for r in site.requests if r != "/robots.txt"] == ["/reviews"]
    assert len(stored(engine)) == 9


def test_an_edited_review_is_updated_and_keeps_its_old_version(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    site.add("/reviews", page([review("a", "Курьер опоздал", rating=1)]))
    add_source(engine, "reviews", site.url("/reviews"))
    crawl(tmp_path, db_url, "reviews")
    site.add("/reviews", page([review("a", "Курьер опоздал, но извинились", rating=3)]))
    result = crawl(tmp_path, db_url, "reviews")
    assert "0 new, 1 updated, 0 unchanged" in result.stdout
    mention = stored(engine)["a"]
    assert (mention.text, mention.rating, mention.version) == (
        "Курьер опоздал, но извинились",
        3,
        2,
    )


def test_an_interrupted_crawl_resumes_without_duplicates_or_losses(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    review_site(site, pages=4)
    add_source(engine, "reviews", site.url("/reviews"))
    interrupted = crawl(tmp_path, db_url, "reviews", "--set", "CLOSESPIDER_PAGECOUNT=1")
    assert interrupted.returncode == 0
    assert interrupted.stdout.startswith("reviews: partial — 3 new")
    assert "interrupted (closespider_pagecount); the next run resumes" in interrupted.stdout
    assert len(stored(engine)) == 3

    resumed = crawl(tmp_path, db_url, "reviews")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith("reviews: ok — 9 new, 0 updated, 3 unchanged")
    assert len(stored(engine)) == 12
    assert not (tmp_path / "var" / "crawls" / "reviews").exists()  # finished: state cleared


@SPIDER_ONLY
@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (403, "Forbidden", "http_403"),
        (429, "Slow down", "http_429"),
        (
            200,
            "<html><title>Вы не робот?</title><body>Подтвердите, что вы не робот"
            "<div class='smart-captcha'></div></body></html>",
            "captcha",
        ),
    ],
)
def test_blocking_makes_the_run_blocked_and_loses_nothing(
    tmp_path: Path,
    db_url: str,
    engine: Engine,
    site: Site,
    status: int,
    body: str,
    reason: str,
) -> None:
    site.add("/reviews", page([review("keep", "Старый отзыв")]))
    add_source(engine, "reviews", site.url("/reviews"))
    crawl(tmp_path, db_url, "reviews")
    site.add("/reviews", body, status=status)

    result = crawl(tmp_path, db_url, "reviews")
    assert result.returncode == 1
    assert result.stdout.startswith("reviews: blocked — 0 new")
    run = last_run(engine)
    assert run.status == CrawlStatus.blocked
    assert run.error_summary is not None and reason.lower() in run.error_summary.lower()
    assert "keep" in stored(engine)


@SPIDER_ONLY
@pytest.mark.parametrize("status", [404, 500])
def test_a_failing_start_page_fails_the_run(
    tmp_path: Path, db_url: str, engine: Engine, site: Site, status: int
) -> None:
    site.add("/reviews", "oops", status=status)
    add_source(engine, "reviews", site.url("/reviews"))
    result = crawl(tmp_path, db_url, "reviews")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "reviews: failed — 0 new, 0 updated, 0 unchanged, 0 dropped in "
        + result.stdout.split(" in ")[1].splitlines()[0],
        f"  HTTP {status} at {site.url('/reviews')}",
    ]


@SPIDER_ONLY
def test_a_site_that_is_down_is_one_line_not_a_traceback(
    tmp_path: Path, db_url: str, engine: Engine
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    add_source(engine, "down", f"http://127.0.0.1:{port}/reviews")
    result = crawl(tmp_path, db_url, "--set", "RETRY_ENABLED=false", "down")
    assert result.returncode == 1
    assert result.stdout.splitlines()[1].startswith("  DownloadConnectionRefusedError: ")
    # Scrapy's robots.txt middleware logs the refusal with a Twisted traceback: not here
    assert "Traceback" not in result.stderr
    assert "Error downloading <GET http://127.0.0.1:" in result.stderr  # the line stays
    loud = crawl(tmp_path, db_url, "--set", "RETRY_ENABLED=false", "-v", "down")
    assert "Traceback" in loud.stderr  # `crawl -v` shows Scrapy's log as it is


@SPIDER_ONLY
def test_redirects_are_followed(tmp_path: Path, db_url: str, engine: Engine, site: Site) -> None:
    site.add("/old", "", status=301, Location=site.url("/reviews"))
    site.add("/reviews", page([review("x", "Колибри опоздал")]))
    add_source(engine, "reviews", site.url("/old"))
    assert "1 new" in crawl(tmp_path, db_url, "reviews").stdout


@SPIDER_ONLY
def test_windows_1251_page_without_a_charset_header(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    body = page([review("w", "Доставка опоздала на час, еда остыла")]).encode("cp1251")
    site.add("/reviews", body, content_type="text/html")
    add_source(engine, "reviews", site.url("/reviews"))
    assert "1 new" in crawl(tmp_path, db_url, "reviews").stdout
    assert stored(engine)["w"].text == "Доставка опоздала на час, еда остыла"


@SPIDER_ONLY
def test_a_huge_page_and_broken_html_are_reported_and_the_crawl_goes_on(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    # Page 1 is broken markup (unclosed tags) but readable; page 2 is 20 MB.
    broken = page([review("b1", "Курьер <b>нагрубил"), review("b2", "Всё хорошо")], 2)
    site.add("/reviews", broken.replace("</article>", "", 1))
    site.add("/reviews?page=2", "<html>" + "x" * (20 * 1024 * 1024) + "</html>")
    add_source(engine, "reviews", site.url("/reviews"))
    result = crawl(tmp_path, db_url, "reviews")
    assert result.returncode == 0
    assert result.stdout.startswith("reviews: partial — 2 new")
    assert "/reviews?page=2" in result.stdout  # the oversized page is named
    assert set(stored(engine)) == {"b1", "b2"}


@SPIDER_ONLY
def test_robots_txt_is_obeyed(tmp_path: Path, db_url: str, engine: Engine, site: Site) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /reviews\n", content_type="text/plain")
    site.add("/reviews", page([review("r", "Нельзя")]))
    add_source(engine, "reviews", site.url("/reviews"))
    result = crawl(tmp_path, db_url, "reviews")
    assert result.returncode == 1
    assert "blocked: robots.txt disallows this URL" in result.stdout
    assert "/reviews" not in site.requests


FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>News</title>
<item><guid>n1</guid><title>Колибри запустил доставку</title><link>{base}/n1</link>
<pubDate>Sun, 22 Nov 2026 07:29:04 +0000</pubDate><description>Сервис Колибри</description></item>
<item><guid>n2</guid><title>Жалоба на Колибри</title><link>{base}/n2</link>
<pubDate>вчера в час пик</pubDate><description>Курьер Колибри опоздал</description></item>
<item><guid>n3</guid><title>Погода</title><link>{base}/n3</link>
<pubDate>Sun, 22 Nov 2026 06:00:00 +0000</pubDate><description>Дождь</description></item>
<item><guid>n4</guid><title>Ярмарка</title><link>{base}/n4</link>
<pubDate>Sun, 22 Nov 2026 05:00:00 +0000</pubDate><description>Колибри вакансии</description></item>
</channel></rss>"""


@SPIDER_ONLY
def test_feed_matches_the_brand_and_keeps_a_mention_with_a_damaged_date(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    site.add("/rss.xml", FEED.format(base=site.base_url), content_type="application/rss+xml")
    add_source(engine, "news", site.url("/rss.xml"), kind="feed")
    result = crawl(tmp_path, db_url, "news")
    assert result.stdout.startswith(
        "news: ok — 2 new, 0 updated, 0 unchanged, 2 dropped, 1 without a date"
    )
    mentions = stored(engine)
    assert set(mentions) == {"n1", "n2"}
    assert mentions["n2"].published_at is None
    assert mentions["n2"].published_raw == "вчера в час пик"
    counts = last_run(engine).counts
    assert counts["dropped"] == {"not_about_brand": 2}
    assert counts["date_unparsed"] == 1


@SPIDER_ONLY
def test_crawl_arguments(tmp_path: Path, db_url: str, engine: Engine) -> None:
    assert crawl(tmp_path, db_url).returncode == 2
    unknown = crawl(tmp_path, db_url, "nope")
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "error: unknown source(s): nope")
    add_source(engine, "tg", "https://example.com/not-a-channel", kind="telegram")
    bad = crawl(tmp_path, db_url, "tg")
    assert bad.returncode == 1
    assert "cannot start: telegram url must look like https://t.me/s/<channel>" in bad.stdout
    assert json.dumps(last_run(engine).status) == '"failed"'


def test_after_a_killed_run_the_next_crawl_does_not_stop_early(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    review_site(site, pages=3)
    add_source(engine, "reviews", site.url("/reviews"))
    crawl(tmp_path, db_url, "reviews")
    with Session(engine) as session:  # a run whose process was killed outright
        session.add(
            CrawlRun(
                source_id=1,
                worker="gone-host:1",
                status=CrawlStatus.failed,
                error_summary="interrupted: worker gone-host:1 is gone",
            )
        )
        session.commit()
    site.requests.clear()
    result = crawl(tmp_path, db_url, "reviews")
    assert "0 new, 0 updated, 9 unchanged" in result.stdout
    assert [r for r in site.requests if r != "/robots.txt"] == [
        "/reviews",
        "/reviews?page=2",
        "/reviews?page=3",
    ]


def telegram_page(ids: list[int], before: int | None) -> str:
    more = (
        (
            f'<a class="tme_messages_more js-messages_more" data-before="{before}" '
            f'href="/s/bank_news?before={before}"></a>'
        )
        if before
        else ""
    )
    messages = "".join(
        f'<div class="tgme_widget_message_wrap"><div class="tgme_widget_message js-widget_message"'
        f' data-post="bank_news/{i}"><div class="tgme_widget_message_text js-message_text">'
        f'Клиенты Сбербанка жалуются, пост {i}</div><a class="tgme_widget_message_date" '
        f'href="https://t.me/bank_news/{i}"><time datetime="2026-11-2{i % 3}T07:15:00+00:00">'
        f"10:15</time></a></div></div>"
        for i in ids
    )
    history = f'<section class="tgme_channel_history">{more}{messages}</section>'
    return f"<html><body>{history}</body></html>"


@SPIDER_ONLY
def test_telegram_channel_pages_back_with_before(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    site.add("/s/bank_news", telegram_page([4, 5, 6], before=4))
    site.add("/s/bank_news?before=4", telegram_page([1, 2, 3], before=1))
    site.add("/s/bank_news?before=1", telegram_page([], before=None))
    with Session(engine) as session:
        make_brand(session, "Сбербанк", keywords=["Сбербанк"])
        session.commit()
    add_source(engine, "tg", site.url("/s/bank_news"), kind="telegram")
    result = crawl(tmp_path, db_url, "tg")
    assert result.stdout.startswith("tg: ok — 6 new"), result.stdout + result.stderr
    mentions = stored(engine)
    assert sorted(mentions) == [f"bank_news/{i}" for i in range(1, 7)]
    assert mentions["bank_news/5"].published_at.isoformat() == "2026-11-22T07:15:00+00:00"


def reddit_listing(posts: list[int], after: str | None) -> str:
    children = [
        {
            "kind": "t3",
            "data": {
                "name": f"t3_p{i}",
                "id": f"p{i}",
                "title": f"Kolibri delivery #{i}",
                "selftext": "Kolibri courier was late again",
                "author": f"user{i}",
                "permalink": f"/r/food/comments/p{i}/x/",
                "created_utc": 1763800000 + i,
                "subreddit": "food",
            },
        }
        for i in posts
    ]
    return json.dumps({"kind": "Listing", "data": {"after": after, "children": children}})


@SPIDER_ONLY
def test_reddit_listing_follows_after(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    site.add(
        "/search.json?q=kolibri&sort=new",
        reddit_listing([1, 2], "t3_p2"),
        content_type="application/json",
    )
    site.add(
        "/search.json?q=kolibri&sort=new&after=t3_p2",
        reddit_listing([3], None),
        content_type="application/json",
    )
    add_source(engine, "reddit", site.url("/search.json?q=kolibri&sort=new"), kind="reddit")
    result = crawl(tmp_path, db_url, "reddit")
    assert result.stdout.startswith("reddit: ok — 3 new"), result.stdout + result.stderr
    assert len(stored(engine)) == 3


@SPIDER_ONLY
def test_json_profile_app_store_feed(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    fixture = Path(__file__).with_name("fixtures") / "appstore_reviews.json"
    site.add(
        "/rss/customerreviews/page=1/id=1/sortby=mostrecent/json",
        fixture.read_bytes(),
        content_type="application/json",
    )
    site.add(
        "/rss/customerreviews/page=2/id=1/sortby=mostrecent/json",
        json.dumps({"feed": {"entry": []}}),
        content_type="application/json",
    )
    add_source(
        engine,
        "appstore",
        site.url("/rss/customerreviews/page=1/id=1/sortby=mostrecent/json"),
        kind="json",
        profile="appstore",
    )
    result = crawl(tmp_path, db_url, "appstore")
    expected = len(
        [e for e in json.loads(fixture.read_text())["feed"]["entry"] if "im:name" not in e]
    )
    assert f"{expected} new" in result.stdout, result.stdout + result.stderr
    assert all(m.rating is not None for m in stored(engine).values())


def test_crawl_due_runs_only_what_the_schedule_says(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    site.add("/reviews", page([review("d", "Колибри опоздал")]))
    add_source(engine, "reviews", site.url("/reviews"))
    first = crawl(tmp_path, db_url, "--due")
    assert first.stdout.startswith("reviews: ok — 1 new")
    # The source's schedule is 15m: nothing is due a moment later.
    assert crawl(tmp_path, db_url, "--due").stdout.strip() == "nothing to crawl"


def test_a_crawl_killed_with_sigkill_is_recovered_and_its_source_crawls_again(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    review_site(site, pages=3)
    site.pages["/reviews?page=2"].delay = 30  # the crawl is busy here when it is killed
    add_source(engine, "reviews", site.url("/reviews"))  # every 15 min
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVETOFOR_")}
    env.update(SVETOFOR_DATABASE_URL=db_url, SVETOFOR_DATA_DIR=str(tmp_path / "var"))
    child = subprocess.Popen(
        [SVETOFOR, "crawl", *FAST, "reviews"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while "/reviews?page=2" not in site.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        assert last_run(engine).status == CrawlStatus.running
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    dispatched: list[str] = []

    class Recorder:
        def dispatch(self, source_name: str) -> None:
            dispatched.append(source_name)

        def busy(self) -> set[str]:
            return set()

    # the next scheduler tick (every 10 s in the service), not when the schedule comes round
    assert CrawlScheduler(engine, Recorder()).run_due() == ["reviews"]
    dead = last_run(engine)
    assert dead.status == CrawlStatus.failed
    assert dead.error_summary == f"interrupted: worker {dead.worker} is gone"
    site.pages["/reviews?page=2"].delay = 0
    again = crawl(tmp_path, db_url, "reviews")
    assert again.returncode == 0, again.stderr
    assert len(stored(engine)) == 9  # nothing lost, nothing doubled


def test_a_site_that_starts_blocking_alerts_once_and_once_more_when_it_recovers(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    policy = AlertPolicy(channels=("webhook",))

    def health_alerts() -> list[tuple[str, bool]]:
        with Session(engine) as session:
            check_source_health(session, policy, HealthRules(), utcnow())
            session.commit()
            rows = session.exec(select(AlertDelivery).order_by(col(AlertDelivery.id))).all()
            return [(r.payload["state"], r.payload["recovered"]) for r in rows]

    site.add("/reviews", page([review("keep", "Старый отзыв")]))
    add_source(engine, "reviews", site.url("/reviews"))
    crawl(tmp_path, db_url, "reviews")
    assert health_alerts() == []  # working: nothing to say
    site.add("/reviews", "Forbidden", status=403)
    crawl(tmp_path, db_url, "reviews")
    assert health_alerts() == [("blocked", False)]
    crawl(tmp_path, db_url, "reviews")  # still blocked: no second alert
    assert health_alerts() == [("blocked", False)]
    site.add("/reviews", page([review("keep", "Старый отзыв")]))
    crawl(tmp_path, db_url, "reviews")
    assert health_alerts() == [("blocked", False), ("ok", True)]
    with Session(engine) as session:
        [first, recovery] = session.exec(select(AlertDelivery).order_by(col(AlertDelivery.id)))
        assert first.payload["text"].startswith("reviews is blocked by the site: blocked: http_403")
        assert recovery.payload["text"] == "reviews recovered (was blocked by the site)"


def listugcposts(entries: list[Any], token: str | None) -> str:
    """A listugcposts answer as Google sends it: the XSSI prefix, then [_, token, entries]."""
    return ")]}'\n" + json.dumps([None, token, entries])


@needs_realpages
@SPIDER_ONLY
def test_google_maps_place_reviews_page_with_the_token_and_keep_owner_replies(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    maps = REALPAGES / "google_maps"
    reply, english, no_text = (
        json.loads((maps / f"listugcposts_review_native_{name}.json").read_text())[0]
        for name in ("with_reply", "no_translation", "no_text")
    )
    place = "0x14e73300c9b8c5c1:0xa73f342ed9222e57"
    add_source(
        engine,
        "maps",
        site.url(f"/maps/place/Praxis/data=!4m2!3m1!1s{place}"),
        kind="google_maps",
        hl="de",
    )
    first = (
        "/maps/rpc/listugcposts?authuser=0&hl=de&pb=!1m6!1s0x14e73300c9b8c5c1%3A0xa73f342ed9222e57"
        "!6m4!4m1!1e1!4m1!1e3!2m2!1i20!2s{token}!5m2!1s!7e81!8m9!2b1!3b1!5b1!7b1!12m4!1b1!2b1"
        "!4m1!1e1!11m0!13m1!1e2"
    )
    site.add(first.format(token=""), listugcposts([reply, english], "CAESBkVnSUlDZw=="))
    site.add(first.format(token="CAESBkVnSUlDZw%3D%3D"), listugcposts([no_text], None))

    result = crawl(tmp_path, db_url, "maps")
    assert result.stdout.startswith("maps: ok — 2 new"), result.stdout + result.stderr
    assert "(2 pages)" in result.stdout  # the second page came from the first one's token
    reviews = stored(engine)
    with_reply = reviews["Ci9DQUlRQUNvZENodHljRjlvT2xGMmRraFdhSFowWW0xWVNURTBObEptU3pWWVgxRRAB"]
    assert with_reply.rating == 1
    assert with_reply.business_reply is not None
    assert with_reply.business_reply.startswith("Es tut uns sehr leid")
    assert {m.rating for m in reviews.values()} == {1, 5}
    assert last_run(engine).counts["parse_problems"] == {"no_text": 1}  # a rating-only review

    again = crawl(tmp_path, db_url, "maps")
    assert again.stdout.startswith("maps: ok — 0 new, 0 updated, 2 unchanged"), again.stdout


@SPIDER_ONLY
def test_a_google_maps_source_without_a_place_id_says_what_it_needs(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    add_source(engine, "maps", site.url("/maps/place/Somewhere"), kind="google_maps")
    result = crawl(tmp_path, db_url, "maps")
    assert result.returncode == 1
    assert "google_maps needs the place's feature id (0x…:0x…)" in result.stdout


@SPIDER_ONLY
def test_a_long_crawl_says_how_far_it_got(
    tmp_path: Path, db_url: str, engine: Engine, site: Site
) -> None:
    review_site(site, pages=3)
    for page in site.pages.values():
        page.delay = 0.5  # a slow site: the crawl takes a while
    add_source(engine, "reviews", site.url("/reviews"))
    result = crawl(tmp_path, db_url, "--progress-every", "0.3", "reviews")
    assert result.stdout.startswith("reviews: ok — 9 new"), result.stdout + result.stderr
    progress = [line for line in result.stderr.splitlines() if line.startswith("crawling ")]
    assert progress, result.stderr
    assert progress[0].startswith("crawling 1 source(s): ")
    assert progress[-1].endswith("new or updated so far")
    # typed at a terminal: a bar over the sources, full at the end, with the counts beside it
    drawn = run_on_terminal(tmp_path, "crawl", *FAST, "reviews", db_url=db_url)
    assert drawn.returncode == 0 and drawn.stdout.startswith("reviews: ok — 0 new")
    assert "crawling" in drawn.stderr and "━" in drawn.stderr and "1/1" in drawn.stderr
    assert "new or updated" in drawn.stderr and "so far" not in drawn.stderr
