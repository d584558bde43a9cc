"""The traffic light's three colours: the one definition every layer uses."""

# In the order every model head, metric and report uses.
LABELS = ("negative", "neutral", "positive")
