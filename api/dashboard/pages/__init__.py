"""Dashboard pages, one module per resource."""
