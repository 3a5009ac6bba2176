"""Named limits on what a submission may ask of sxcheck.

Every submission comes from outside and may be hostile. Each bound here is a
default a real package stays far below (the largest real packages seen have a
few hundred files and a few hundred MiB); beyond it the submission, or the one
document, is refused with a one-line reason instead of exhausting the machine.
They are shown in `--help` and in docs/limits.md; change them here only.
"""

from __future__ import annotations

MiB = 1024**2

# ------------------------------------------------------------ the submission as a whole
MAX_SUBMISSION_FILES = 2_000  # evidence files in a folder or zip
MAX_ZIP_ENTRIES = (
    2_500  # entries in a submission zip (folders included; files: MAX_SUBMISSION_FILES)
)
MAX_UNPACKED_BYTES = 2 * 1024 * MiB  # a zip's entries unpacked, in total
MAX_FILE_BYTES = 512 * MiB  # one evidence file (read or unpacked)
MAX_ZIP_RATIO = 200  # unpacked / packed, for entries above 1 MiB and for the whole zip
MAX_NAME_CHARS = 200  # region, parent and file-name characters shown in reports
MAX_PATH_DEPTH = 32  # folder levels inside a submission
MAX_FILE_STEM_CHARS = 64  # a region's part of a file name sxcheck writes (batch --reports-dir)

# ------------------------------------------------------------ the declaration
MAX_DECLARATION_BYTES = 2 * MiB  # submission.yaml / submission.xlsx
MAX_YAML_DEPTH = 32  # nesting of mappings and lists in submission.yaml
MAX_FORM_CELLS = 200_000  # cells of submission.xlsx (rows x columns of its sheets)
MAX_FORM_UNPACKED_BYTES = 32 * MiB  # submission.xlsx's parts unpacked, in total
DECLARATION_SECONDS = 60.0  # reading submission.yaml / .xlsx (child process)
DECLARATION_MEMORY_MB = 1024  # memory cap of that read, above the child's baseline
MAX_RULE_FILE_BYTES = 1 * MiB  # one rule file (YAML) of rules/ or a --rules-dir folder
MAX_RULE_FILES = 500  # rule files read from one rules folder
MAX_NUMBER_DIGITS = 30  # digits of a declared figure (before and after the point)
MAX_DECLARED_MAGNITUDE = 10**15  # a declared figure's absolute value stays below this
MAX_BAND_MAGNITUDE = 10**12  # a pass or partial line (rules, --profile) stays below this
MAX_PROFILE_WEIGHT = 10**6  # a --profile weight (items, measures, levels, 特色性指标)

# ------------------------------------------------------------ one document
DOC_SECONDS = 120.0  # parse time of one document (child process)
DOC_MEMORY_MB = 2048  # memory cap of one document's parse, above the child's baseline
MAX_OOXML_BYTES = 200 * MiB  # an Office file's parts unpacked
MAX_OOXML_RATIO = 100  # unpacked / packed, for Office parts above 1 MiB
MAX_SHEET_CELLS = 2_000_000  # rows x columns of one evidence worksheet
MAX_XLSX_TEXT_CHARS = 20_000_000  # text one evidence workbook yields (rows and headers)
MAX_XLSX_ROWS = 100_000  # rows with cells of one evidence workbook (each a text unit)

# ------------------------------------------------------------ one run
RUN_SECONDS = 1_800.0  # reading all of one submission's documents

# ------------------------------------------------------------ rule patterns (catalogue.regex_safety)
REGEX_SLOW_SECONDS = (
    0.5  # CPU time of one rule pattern on one adversarial string of 16,000 characters
)
REGEX_PROBE_SECONDS = (
    5.0  # wall time the probe waits on one adversarial string before the pattern is unsafe
)
REGEX_PROBE_TOTAL_SECONDS = (
    30.0  # probing the patterns of one rules folder (within DECLARATION_SECONDS)
)
OWN_PATTERN_SECONDS = 1.0  # one search of a city's own rule pattern (then it is dropped)

# ------------------------------------------------------------ quotes (evidence, facts)
CONTEXT_CHARS = 200  # paragraph text kept either side of a quote (Evidence.context)
MAX_SENTENCE_CHARS = 2_000  # a longer run without a full stop is cut at a clause mark
MAX_UNIT_CONTEXT_CHARS = 1_000  # a table row's caption and header, as used for matching
MAX_QUOTES_PER_ROLE = 20  # quotes a fact keeps per role (support, conflict, planned …)
MAX_PAIRED_COUNTS = 40  # counts of one sentence tried as numerator/denominator pairs
