"""sxcheck: evidence and compliance checker for the Shanxi smart-city pilot evaluation."""

from pathlib import Path

__version__ = "0.1.0"

# the built-in rules (rule files are data, beside the package): one definition for the
# loader, the rule listing and the re-check's fingerprint, none of which may import
# the others' dependencies
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
