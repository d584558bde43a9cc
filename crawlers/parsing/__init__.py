"""Pure parsing for the crawlers: pages in, mentions and problems out; no I/O, no database."""

from crawlers.parsing.blocking import detect_block
from crawlers.parsing.dates import ParsedDate, parse_published
from crawlers.parsing.feed import parse_feed
from crawlers.parsing.google_maps import parse_place_state, parse_reviews
from crawlers.parsing.html_profile import parse_html
from crawlers.parsing.item import MentionItem, ParsedPage, ParseProblem
from crawlers.parsing.json_profile import parse_json
from crawlers.parsing.matching import BrandMatcher
from crawlers.parsing.profile import SiteProfile, available_profiles, load_profile
from crawlers.parsing.reddit import parse_reddit
from crawlers.parsing.telegram import parse_telegram

__all__ = [
    "BrandMatcher",
    "MentionItem",
    "ParseProblem",
    "ParsedDate",
    "ParsedPage",
    "SiteProfile",
    "available_profiles",
    "detect_block",
    "load_profile",
    "parse_feed",
    "parse_html",
    "parse_json",
    "parse_place_state",
    "parse_published",
    "parse_reddit",
    "parse_reviews",
    "parse_telegram",
]
