"""sxcheck: evidence and compliance checker for the Shanxi smart-city pilot evaluation."""

__version__ = "0.1.0"
