"""Errors a user can cause. The CLI turns each into one line and exit code 2."""


class SxcheckError(Exception):
    """Base class: an error whose message is meant for the user, not a traceback."""

    exit_code = 2


class SubmissionError(SxcheckError):
    """The submission cannot be evaluated (no such path, bad manifest, unsafe zip)."""


class RulesError(SxcheckError):
    """The rule files are invalid."""


class DocumentError(Exception):
    """One document cannot be read; the run goes on and lists it with this reason."""
