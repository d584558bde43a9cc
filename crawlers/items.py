"""The one item type spiders yield (defined with the pure parsers)."""

from crawlers.parsing.item import MentionItem

__all__ = ["MentionItem"]
