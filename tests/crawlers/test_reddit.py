"""Reddit JSON: listings, comment trees, morechildren, and the `after` cursor."""

import json
from datetime import UTC, datetime

import pytest

from crawlers.parsing.reddit import parse_reddit
from tests.crawlers.paths import REALPAGES, needs_realpages

NOW = datetime(2026, 7, 1, tzinfo=UTC)
REDDIT = REALPAGES / "reddit"

LISTING = {
    "kind": "Listing",
    "data": {
        "after": "t3_abc2",
        "before": None,
        "children": [
            {"kind": "t3", "data": {
                "id": "abc1", "name": "t3_abc1", "author": "u1", "title": "Сбербанк опять лежит",
                "selftext": "Приложение не открывается", "created_utc": 1710237600.0,
                "permalink": "/r/russia/comments/abc1/sberbank/?ref=search_posts",
                "subreddit": "russia", "score": 5, "num_comments": 2}},
            {"kind": "t3", "data": {
                "id": "abc2", "name": "t3_abc2", "author": "[deleted]", "title": "Link post",
                "selftext": "", "created_utc": 1710237000, "url": "https://example.com/x",
                "permalink": "/r/russia/comments/abc2/link_post/"}},
            {"kind": "t1", "data": {"id": "c9", "name": "t1_c9", "author": "[deleted]",
                                    "body": "[removed]", "created_utc": 1710237000}},
        ],
    },
}  # fmt: skip


def test_listing() -> None:
    page = parse_reddit(
        json.dumps(LISTING), url="https://www.reddit.com/r/russia/search.json?q=x", now=NOW
    )
    post, link = page.items
    assert post.external_id == "t3_abc1"
    assert post.url == "https://www.reddit.com/r/russia/comments/abc1/sberbank/"
    assert post.author == "u1"
    assert post.author_url == "https://www.reddit.com/user/u1"
    assert post.title == "Сбербанк опять лежит"
    assert post.text == "Приложение не открывается"
    assert post.published_at == datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
    assert post.published_precision == "exact"
    assert post.raw["subreddit"] == "russia"
    assert link.author is None and link.text == "Link post"  # a link post: its title is its text
    assert link.raw["url"] == "https://example.com/x"
    assert [p.reason for p in page.problems] == ["deleted"]
    assert page.cursor == "t3_abc2"
    assert page.next_url == "https://www.reddit.com/r/russia/search.json?q=x&after=t3_abc2"


@pytest.mark.parametrize("body", [b"", b"<html>rate limited</html>", b"{", b"[]", b"{}"])
def test_bad_bodies(body: bytes) -> None:
    page = parse_reddit(body, url="https://www.reddit.com/r/x/new.json", now=NOW)
    assert page.items == [] and page.next_url is None
    assert [p.reason for p in page.problems] in ([], ["bad_json"])


def test_a_thing_of_another_shape_is_one_problem_and_the_rest_is_kept() -> None:
    changed = json.loads(json.dumps(LISTING))
    changed["data"]["children"][0]["data"]["selftext"] = {"markdown": "Приложение лежит"}
    changed["data"]["children"].append({"kind": "more", "data": {"children": 5}})
    page = parse_reddit(json.dumps(changed), now=NOW)
    assert [i.external_id for i in page.items] == ["t3_abc2"]
    assert [p.reason for p in page.problems] == ["bad_record", "deleted"]
    assert page.problems[0].detail == "AttributeError: 'dict' object has no attribute 'strip'"


@needs_realpages
def test_search_listing() -> None:
    page = parse_reddit((REDDIT / "r_all_search_q_2016-07-12.json").read_bytes(), now=NOW)
    assert len(page.items) == 6
    assert {i.external_id[:3] for i in page.items} == {"t3_"}
    first = page.items[0]
    assert first.external_id == "t3_3gpbiu"
    assert first.author == "dClauzel"
    assert first.title.startswith("[PRAW][OAuth2Util] Problem using get_banned()")
    assert first.text.startswith("# solved")
    assert first.published_at == datetime(2015, 8, 12, 9, 8, 34, tzinfo=UTC)
    assert first.url == (
        "https://www.reddit.com/r/redditdev/comments/3gpbiu/"
        "prawoauth2util_problem_using_get_banned_raise/"
    )
    assert page.cursor is None


@needs_realpages
def test_subreddit_comments_page_and_cursor() -> None:
    url = "https://www.reddit.com/r/askreddit/comments/.json?limit=100"
    page = parse_reddit(
        (REDDIT / "r_askreddit_comments_2016-07-04.json").read_bytes(), url=url, now=NOW
    )
    assert len(page.items) == 100
    first = page.items[0]
    assert first.external_id == "t1_d4y8bdp"
    assert first.author == "preppypuppy"
    assert first.text == "great, life is so much better when you can do what you enjoy for a living"
    assert first.published_at == datetime(2016, 7, 4, 0, 4, 50, tzinfo=UTC)
    # 2016 comments carry no permalink: it is built from the post and comment ids.
    assert first.url == "https://www.reddit.com/r/AskReddit/comments/4r4inc/_/d4y8bdp/"
    assert page.cursor == "t1_d4y8a9e"
    assert page.next_url == url + "&after=t1_d4y8a9e"


@needs_realpages
def test_comment_tree_is_walked_to_the_leaves() -> None:
    small = parse_reddit(
        (REDDIT / "submission_2gmzqe_with_comments_2016-03-21.json").read_bytes(), now=NOW
    )
    assert [i.external_id for i in small.items] == ["t3_2gmzqe", "t1_cklfmye", "t1_cklhv0f"]
    assert small.items[2].text.startswith("Yes it does.")
    deep = parse_reddit(
        (REDDIT / "submission_3hahrw_with_comments_2016-03-22.json").read_bytes(), now=NOW
    )
    reasons = {p.reason for p in deep.problems}
    assert reasons <= {"deleted", "more_children", "no_text"} and "more_children" in reasons
    # 1 post + 476 comments, of which 6 deleted
    assert len(deep.items) + sum(p.reason == "deleted" for p in deep.problems) == 477
    assert len({i.external_id for i in deep.items}) == len(deep.items)  # no duplicates


@needs_realpages
def test_morechildren_and_mixed_user_listing() -> None:
    more = parse_reddit((REDDIT / "api_morechildren_2016-03-22.json").read_bytes(), now=NOW)
    assert len(more.items) == 7
    assert more.items[0].external_id == "t1_cu5tead"
    mixed = parse_reddit((REDDIT / "user_spez_overview_new_2026-06-08.json").read_bytes(), now=NOW)
    kinds = [i.external_id[:2] for i in mixed.items]
    assert (kinds.count("t1"), kinds.count("t3")) == (90, 10)
    assert mixed.cursor == "t1_mzqqmaw"
