"""How a page's bytes become text: BOM, then the header, then the meta charset, then a guess."""

import codecs

from crawlers.items import MentionItem
from crawlers.parsing.text import decode_body
from crawlers.pipelines import to_mention_data

RUSSIAN = "Ужасный сервис, ждал доставку две недели"


def test_a_bom_wins_over_the_header_and_is_stripped():
    body = codecs.BOM_UTF8 + f"<p>{RUSSIAN}</p>".encode()
    assert decode_body(body, "text/html; charset=windows-1251") == f"<p>{RUSSIAN}</p>"


def test_the_header_wins_over_the_meta_charset():
    body = f'<meta charset="utf-8"><p>{RUSSIAN}</p>'.encode("cp1251")
    assert RUSSIAN in decode_body(body, "text/html; charset=windows-1251")


def test_the_meta_charset_when_the_header_names_none():
    body = f'<meta charset="koi8-r"><p>{RUSSIAN}</p>'.encode("koi8-r")
    assert RUSSIAN in decode_body(body, "text/html")


def test_without_any_charset_utf8_then_windows_1251():
    assert decode_body(f"<p>{RUSSIAN}</p>".encode()) == f"<p>{RUSSIAN}</p>"
    assert decode_body(f"<p>{RUSSIAN}</p>".encode("cp1251")) == f"<p>{RUSSIAN}</p>"


def test_undecodable_bytes_become_replacement_characters_not_errors():
    text = decode_body(b"<p>\xff\xfe\xfd broken</p>", "text/html; charset=utf-8")
    assert text.endswith("broken</p>") and "\ufffd" in text


def test_a_mention_whose_text_only_looks_blank_takes_its_title():
    titled = MentionItem(external_id="1", title="Колибри опоздал", text="\u200b \u00a0\n")
    assert to_mention_data(titled).text == "Колибри опоздал"
    assert to_mention_data(MentionItem(external_id="2", text=" 👎 ")).text == " 👎 "
