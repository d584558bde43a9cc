"""Brand matching: inflected Russian forms, Latin word boundaries, exclusions."""

import pytest

from core import lemmas as matching
from crawlers.parsing.matching import BrandMatcher


@pytest.fixture(scope="module")
def banks() -> BrandMatcher:
    return BrandMatcher(["Сбербанк", "Тинькофф Банк", "Acme"], exclude=["acme jobs"])


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("Сбербанк снова всё сломал", "Сбербанк"),
        ("Пишу в поддержку СБЕРБАНКА третий день", "Сбербанк"),
        ("Позвонил Сбербанку, не ответили", "Сбербанк"),
        ("Перешла в Сбербанк", "Сбербанк"),
        ("в сбербанке очереди", "Сбербанк"),
        ("доволен Сбербанком", "Сбербанк"),
        ("кэшбэк в Тинькофф Банке", "Тинькофф Банк"),
        ("Тинькофф-банка приложение", "Тинькофф Банк"),
        ("ТИНЬКОФФ БАНКУ спасибо", "Тинькофф Банк"),
        ("I love acme!", "Acme"),
        ("ACME's support is slow", "Acme"),
        ("про Acme по-русски: Acme-у пишу", "Acme"),
    ],
)
def test_inflected_and_cased_forms_match(banks: BrandMatcher, text: str, keyword: str) -> None:
    assert banks.match(text) == keyword
    assert banks.matches(text)


@pytest.mark.parametrize(
    "text",
    [
        "Сбер снова всё сломал",  # an alias not configured is not a match
        "Тинькофф Мобайл подключил",  # only one word of a two-word keyword
        "банк без названия",
        "Acmeville is a town",  # Latin keywords match whole words only
        "acmes",
        "",
        None,
    ],
)
def test_non_mentions_do_not_match(banks: BrandMatcher, text: str | None) -> None:
    assert banks.match(text) is None
    assert not banks.matches(text)


def test_exclusion_suppresses_the_match(banks: BrandMatcher) -> None:
    assert not banks.matches("Acme Jobs: we are hiring")
    assert not banks.matches("acme   JOBS board")
    assert banks.matches("Acme is hiring")


def test_russian_exclusion_in_any_form() -> None:
    matcher = BrandMatcher(["Сбербанк"], exclude=["вакансия"])
    assert not matcher.matches("Вакансии Сбербанка в Москве")
    assert matcher.matches("Сбербанк заблокировал карту")


def test_analyzer_is_loaded_once_and_lemmas_are_cached() -> None:
    BrandMatcher(["Сбербанк"]).matches("Сбербанку")
    analyzer = matching._analyzer()
    matching.lemmas.cache_clear()
    for _ in range(3):
        BrandMatcher(["Сбербанк"]).matches("Сбербанку Сбербанку")
    assert matching._analyzer() is analyzer
    info = matching.lemmas.cache_info()
    assert info.hits > info.misses
    assert matching.lemmas("сбербанку") == matching.lemmas("сбербанку")
    assert "сбербанк" in matching.lemmas("сбербанку")
