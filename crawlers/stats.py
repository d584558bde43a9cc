"""Names of the Scrapy stats Svetofor's spiders, middlewares and pipelines keep."""

BLOCKED = "svetofor/blocked"  # the reason a site refused us
ERRORS = "svetofor/errors"  # the first few error messages, for the run's summary
ERROR_COUNT = "svetofor/error_count"
PAGES = "svetofor/pages"  # pages a spider parsed
DATE_UNPARSED = "svetofor/date_unparsed"
ITEMS_PREFIX = "svetofor/items/"  # + created | updated | unchanged
DROPPED_PREFIX = "svetofor/dropped/"  # + reason
PROBLEMS_PREFIX = "svetofor/parse_problems/"  # + reason
DELETED = "svetofor/deleted"  # external ids the platform reports deleted (VK comments)
