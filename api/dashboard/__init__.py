"""The server-rendered dashboard: the case queue, cases, brand charts, crawl status."""
