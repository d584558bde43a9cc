"""Scrapy settings for Svetofor's spiders: polite by default, honest about blocking."""

BOT_NAME = "svetofor"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# A real, contactable User-Agent; sites may override it per source (options.user_agent).
USER_AGENT = "SvetoforBot/0.1 (+https://github.com/svetofor/svetofor; reputation monitoring)"
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle adapts the delay to the site's latency.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 30
# A 20 MB page is bad input, not a reason to fill memory: bigger responses are dropped.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024

# Retries with exponential backoff (and Retry-After) instead of Scrapy's immediate retries.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    # Low number: sees responses after retries are exhausted, before the spider does.
    "crawlers.middlewares.BlockDetectionMiddleware": 100,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.BrandFilterPipeline": 100,
    "crawlers.pipelines.MentionStorePipeline": 300,
}
EXTENSIONS = {"scrapy.extensions.telnet.TelnetConsole": None}

# Spiders page until a page holds only already-stored items, or this many pages.
SVETOFOR_MAX_PAGES = 50

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawlers.logformatter.SvetoforLogFormatter"
