"""Benchmarks: run each as a script (`.venv/bin/python bench/NAME.py`); see the README."""
