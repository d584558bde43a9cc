"""Alerts: an outbox of deliveries, channels that send them, and the daily digest."""
