"""Domain services above `models/`: storing and reading mentions, brands and sources, API
keys, the config file, and the labelling worker. Crawlers, the desk and the API call these."""
