"""The FastAPI service: JSON API under /api/v1, health, and the demo pages."""
