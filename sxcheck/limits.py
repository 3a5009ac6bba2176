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
# .doc/.wps/.xls/.et/.ppt/.dps are converted by LibreOffice inside that parse: its own
# timeout is below DOC_SECONDS so soffice's process group is killed (and its folder
# removed) by sxcheck before the parser child is, with time left to read the result.
# soffice inherits the child's RLIMIT_AS, an absolute figure, so it gets the child's
# baseline + DOC_MEMORY_MB; below CONVERT_MEMORY_MB it is not started (a limit reason)
CONVERT_SECONDS = 60.0  # one LibreOffice conversion (~1.5 s for a notice), wall and CPU time
CONVERT_MEMORY_MB = 768  # address space soffice needs at least (it fails below ~500 MiB)
MAX_OOXML_BYTES = 200 * MiB  # an Office file's parts unpacked
MAX_OOXML_RATIO = 100  # unpacked / packed, for Office parts above 1 MiB
MAX_SHEET_CELLS = 2_000_000  # rows x columns of one evidence worksheet
# a table grid (DOCX/XLSX/PDF): a w:gridSpan of 10^9 must not size a grid; cells past
# this column are dropped and spans clipped (real forms stay under ~60 columns)
MAX_TABLE_COLUMNS = 256
MAX_XLSX_TEXT_CHARS = 20_000_000  # text one evidence workbook yields (rows and headers)
MAX_XLSX_ROWS = 100_000  # rows with cells of one evidence workbook (each a text unit)
# a sheet is read as tables, one grid per block of rows: a 50,000-row sheet never becomes
# one grid of 300,000 cells
MAX_GRID_ROWS = 2_000  # rows of one sheet grid; a longer block is cut, each part with its header
MAX_SHEET_MERGES = 50_000  # merged ranges (<mergeCell>) of one evidence worksheet
MAX_NOTED_CELLS = 10_000  # uncached formula cells of a workbook noted one by one (then counted)
# OFD (GB/T 33190, zip + XML): its parts unpacked are bounded by MAX_OOXML_BYTES as well
MAX_OFD_PARTS = 20_000  # zip members of one OFD (a page is one or two parts, plus fonts, seals)
MAX_OFD_PAGES = 5_000  # pages of one OFD (each a Content.xml parsed on its own)
MAX_OFD_TEXT_CODES = 2_000_000  # TextCode runs of one OFD (some writers put one per character)

# ------------------------------------------------------------ scans (OCR, issue 15)
OCR_DPI = 200  # scanned PDF pages are rendered at this dpi for OCR (measured: see ocr/engine.py)
MAX_IMAGE_PIXELS = 100_000_000  # one image or frame; an A3 scan at 600 dpi is 70 MP (300 MB RGB)
MAX_IMAGE_FRAMES = 1_000  # frames (pages) of one multi-page TIFF
MAX_OCR_PIXELS = 40_000_000  # a page rendered for OCR; a larger PDF page renders at a lower dpi
OCR_MAX_SIDE_PX = 4_000  # longer images are reduced before OCR (A4 at 300 dpi is 3,508 px)
MAX_THUMBNAILS = 30  # OCR'd pages of one document shown as thumbnails in the report (~25 KB each)
OCR_LOAD_SECONDS = 120.0  # an OCR worker loading its engine (not counted in a page's time)
# PP-OCR read every line of a clean or a sealed, skewed notice at 0.94-1.0; the lines it
# misreads score lower. A profile's `ocr_min_confidence` overrides it.
OCR_MIN_CONFIDENCE = 0.9  # below it an OCR line alone cannot pass a figure (ocr_uncertain)

# ------------------------------------------------------------ one run
RUN_SECONDS = 1_800.0  # reading all of one submission's documents
# two children may each take DOC_MEMORY_MB at once; a batch parses one document per
# worker (its workers already run in parallel)
PARSERS = 2  # documents `check` parses at once, each in its own child (at most one per core)

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
