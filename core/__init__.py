"""Shared foundation: settings, database, time helpers and the domain services."""
