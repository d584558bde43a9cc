"""The response desk: cases for negative mentions, deadlines, staged replies and alerts."""
