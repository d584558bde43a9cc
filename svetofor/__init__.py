"""The `svetofor` command line."""
