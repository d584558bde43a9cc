"""Sample review-site and feed pages the service serves under /demo/ for the first run."""
