"""VK through its API, against a local fake answering with real recorded VK answers: a
community wall with its comments and threads, newsfeed.search paged by next_from, VK's own
errors said in the run's summary, and never the token."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from crawlers.parsing.vk import clean_text, parse_search
from models import CrawlRun, Mention
from tests.crawlers.paths import REALPAGES, needs_realpages
from tests.utils.backends import SQLITE_ONLY
from tests.utils.crawl import crawl
from tests.utils.factories import make_brand, make_source
from tests.utils.receiver import reply, serve_handler

VK = REALPAGES / "vk"
COMMUNITY = -69459624  # the community of the recorded comments


def recorded(name: str) -> dict[str, Any]:
    return json.loads((VK / name).read_text(encoding="utf-8"))


class VkFake:
    """Answers VK API methods by name; records each call's parameters."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, list[str]]]] = []
        wall = recorded("wall.get_2014_repost_poll_geo.json")
        someone = wall["response"]["items"][0]  # a user's repost on the wall
        own = copy.deepcopy(someone)  # and a post by the community itself, with comments
        own.update(id=482121, owner_id=COMMUNITY, from_id=COMMUNITY, text="Новое меню!")
        own["comments"] = {"count": 3}
        wall["response"]["items"] = [someone, own]
        self.answers: dict[str, Any] = {
            "wall.get": wall,
            "wall.getComments": recorded("wall.getComments_v5.82_threads.json"),
            "newsfeed.search": recorded("newsfeed.search_2019_next_from.json"),
        }
        self.error: dict[str, Any] | None = None

    def answer(self, method: str, params: dict[str, list[str]]) -> Any:
        if self.error is not None:
            return self.error
        if params.get("offset", ["0"]) != ["0"] or "start_from" in params:
            return {"response": {"count": 0, "items": []}}  # past the end
        return self.answers[method]


@pytest.fixture
def vk() -> Iterator[tuple[VkFake, str]]:
    fake = VkFake()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            method = parts.path.rsplit("/", 1)[-1]
            if not parts.path.startswith("/method/"):
                reply(self, 404)
                return
            params = parse_qs(parts.query)
            fake.calls.append((method, params))
            body = json.dumps(fake.answer(method, params), ensure_ascii=False).encode()
            reply(self, 200, body, "application/json; charset=utf-8")

        def log_message(self, *args: object) -> None:
            pass

    with serve_handler(Handler) as url:
        yield fake, url


def add_vk_source(engine: Engine, name: str, base: str, **options: Any) -> None:
    with Session(engine) as session:
        make_source(
            session,
            make_brand(session, "Колибри"),
            name,
            kind="vk",
            url="https://vk.com/club69459624",
            options={"api_base": base + "/method", "token": "svc-secret-token", **options},
        )
        session.commit()


def test_old_api_text_is_cleaned() -> None:
    assert (
        clean_text("Поздравляю!<br>Растите &amp; цветите&#33;") == "Поздравляю!\nРастите & цветите!"
    )


def test_a_corrupt_post_date_keeps_the_post_without_a_date() -> None:
    posts = [
        {"id": 1, "owner_id": 7, "from_id": 7, "date": 1765180800, "text": "Колибри ок"},
        {"id": 2, "owner_id": 7, "from_id": 7, "date": 10**20, "text": "Колибри опоздал"},
        {"id": 3, "owner_id": 7, "from_id": 7, "date": 1765180800123, "text": "Колибри (мс)"},
    ]
    page = parse_search(json.dumps({"response": {"items": posts, "profiles": []}}))
    assert [(i.external_id, i.published_at is None) for i in page.items] == [
        ("wall7_1", False),
        ("wall7_2", True),  # the text is kept; the store marks the date unknown
        ("wall7_3", True),
    ]


def test_a_record_of_another_shape_is_one_problem_and_the_page_is_kept() -> None:
    response = {
        "items": [
            {"id": 1, "owner_id": 7, "from_id": 7, "date": 1765180800, "text": "Колибри ок"},
            "not a post",
            {"id": 2, "owner_id": 7, "from_id": {"id": 7}, "text": "Колибри опоздал"},
            {"id": 3, "owner_id": 7, "text": "", "copy_history": "a repost, mangled"},
        ],
        "profiles": [{"id": 7, "first_name": "Анна", "last_name": None}, {"id": "x"}, None],
        "groups": "none",
    }
    page = parse_search(json.dumps({"response": response}))
    assert [(i.external_id, i.author) for i in page.items] == [
        ("wall7_1", "Анна"),
        ("wall7_2", None),  # an author of another shape: the post stays, without a name
    ]
    assert [p.reason for p in page.problems] == ["no_id", "bad_record"]
    assert page.problems[1].detail.startswith("AttributeError: ")


@needs_realpages
def test_search_answers_page_with_next_from() -> None:
    page = parse_search(json.dumps(recorded("newsfeed.search_2019_next_from.json")))
    assert [item.external_id for item in page.items] == [
        "wall388444282_11454",
        "wall-31130529_49163",
        "wall-184898883_177",
    ]
    assert page.cursor == "3/-184898883_177"
    first = page.items[0]
    assert (first.author, first.author_url) == ("Элина Стайл", "https://vk.com/id388444282")
    assert first.text.startswith("❗Принимаю заказы")
    assert page.items[1].author_url == "https://vk.com/waldub"  # a community by its address


@needs_realpages
@SQLITE_ONLY
def test_a_community_wall_with_comments_and_threads(
    tmp_path: Path, db_url: str, engine: Engine, vk: tuple[VkFake, str]
) -> None:
    fake, base = vk
    add_vk_source(engine, "vk-wall", base, owner_id=COMMUNITY)
    result = crawl(tmp_path, db_url, "vk-wall")
    assert result.stdout.startswith("vk-wall: ok — 3 new"), result.stdout + result.stderr
    with Session(engine) as session:
        stored = {m.external_id: m for m in session.exec(select(Mention))}
        run = session.exec(select(CrawlRun)).one()
    # a user's repost (its text is the shared post's), two comments on the community's own
    # post; the post itself is the community's words, and a deleted comment is only counted
    assert sorted(stored) == [
        "wall-69459624_482121_r482124",
        "wall-69459624_482121_r482418",
        "wall1563369_1164",
    ]
    assert stored["wall1563369_1164"].text.startswith("Мы оформляем храм")
    comment = stored["wall-69459624_482121_r482124"]
    assert comment.url == "https://vk.com/wall-69459624_482121?reply=482124"
    assert comment.text == "Текст 1го комментария"
    assert run.counts["parse_problems"] == {"own_post": 1, "deleted": 1}
    methods = sorted(method for method, _ in fake.calls)
    assert methods == ["wall.get", "wall.get", "wall.getComments"]  # the wall had a 2nd page
    wall_call = fake.calls[0][1]
    assert wall_call["owner_id"] == [str(COMMUNITY)] and wall_call["extended"] == ["1"]
    assert wall_call["access_token"] == ["svc-secret-token"]
    assert next(p for m, p in fake.calls if m == "wall.getComments")["post_id"] == ["482121"]

    # the author edits a comment: the next crawl keeps the new text as a new version
    fake.answers["wall.getComments"]["response"]["items"][0]["text"] = "Исправил: доставка опоздала"
    edited = crawl(tmp_path, db_url, "vk-wall")
    assert edited.stdout.startswith("vk-wall: ok — 0 new, 1 updated, 2 unchanged"), edited.stdout
    with Session(engine) as session:
        again = session.exec(
            select(Mention).where(Mention.external_id == "wall-69459624_482121_r482124")
        ).one()
    assert (again.text, again.version) == ("Исправил: доставка опоздала", 2)

    # the author then deletes it: kept (the team saw it), marked deleted on the platform
    deleted = {"id": 482124, "parents_stack": [], "date": 1553180396, "deleted": True}
    fake.answers["wall.getComments"]["response"]["items"][0] = deleted
    assert crawl(tmp_path, db_url, "vk-wall").returncode == 0
    with Session(engine) as session:
        gone = session.exec(
            select(Mention).where(Mention.external_id == "wall-69459624_482121_r482124")
        ).one()
        kept = session.exec(
            select(Mention).where(Mention.external_id == "wall-69459624_482121_r482418")
        ).one()
    assert gone.deleted_at is not None and gone.text == "Исправил: доставка опоздала"
    assert kept.deleted_at is None


@needs_realpages
@SQLITE_ONLY
def test_a_search_source_and_vks_own_error(
    tmp_path: Path, db_url: str, engine: Engine, vk: tuple[VkFake, str]
) -> None:
    fake, base = vk
    add_vk_source(engine, "vk-search", base, query="Колибри доставка")
    result = crawl(tmp_path, db_url, "vk-search")
    assert result.stdout.startswith("vk-search: ok — 3 new"), result.stdout + result.stderr
    searches = [p for m, p in fake.calls if m == "newsfeed.search"]
    assert searches[0]["q"] == ["Колибри доставка"]
    assert searches[1]["start_from"] == ["3/-184898883_177"]  # paged by next_from

    fake.error = {
        "error": {
            "error_code": 5,
            "error_msg": "User authorization failed: invalid access_token (4).",
        }
    }
    failed = crawl(tmp_path, db_url, "vk-search")
    assert "VK error 5: User authorization failed: invalid access_token (4)." in failed.stdout
    assert "svc-secret-token" not in failed.stdout
    with Session(engine) as session:
        last = session.exec(select(CrawlRun).order_by(col(CrawlRun.id).desc())).first()
    assert last is not None and "svc-secret-token" not in (last.error_summary or "")


@SQLITE_ONLY
def test_a_vk_source_needs_a_wall_or_a_query(tmp_path: Path, db_url: str, engine: Engine) -> None:
    add_vk_source(engine, "vk-nothing", "http://127.0.0.1:9")
    result = crawl(tmp_path, db_url, "vk-nothing")
    assert result.returncode == 1
    assert "vk needs options.owner_id (a community's wall, e.g. -12345) or options.query" in (
        result.stdout
    )
