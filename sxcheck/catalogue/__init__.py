"""sxcheck."""
