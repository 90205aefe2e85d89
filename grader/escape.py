"""Student text made safe for where it is shown: terminals and text reports, and CSV cells.

Anything a student wrote (an exception message, printed output, a folder name) may hold escape
sequences that clear a TA's screen or print a fake "All tests pass", bidirectional overrides that
make a line read differently from what it holds, or a CSV cell that a spreadsheet runs as a
formula. Every view passes such text through here; HTML is escaped by the template engine.
"""
import re

# ANSI/ECMA-48 sequences as a whole, so that their parameters do not stay behind as litter:
# CSI (ESC [ or the 8-bit 0x9b), OSC/DCS/APC/PM/SOS strings (up to BEL or ST), and two-byte ESC x.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# what is left: C0 controls but newline and tab, DEL, C1 controls, bidirectional embeddings,
# overrides, isolates and marks, and lone surrogates (not encodable, so not printable)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

# OWASP, CSV injection: a cell starting with one of these is read as a formula by spreadsheets
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text):
    """`text` without control characters, escape sequences or bidirectional controls (newlines and
    tabs kept): safe to print on a terminal or to put in a text report."""
    if not isinstance(text, str):
        text = str(text)
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def line(text):
    """`clean(text)` on one line: newlines and tabs become spaces (a name, a table cell)."""
    return clean(text).replace("\n", " ").replace("\t", " ")


def rich_text(text, style=""):
    """A rich Text of cleaned `text`: rich never reads it as markup (`[bold]` stays as written)."""
    from rich.text import Text

    return Text(clean(text), style=style)


def csv_cell(value):
    """A CSV cell for `value`: numbers unchanged; text cleaned, with a leading apostrophe when it
    would start a formula."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = clean(value)
    risky = text.startswith(_FORMULA_START) or text.lstrip(" \t\n").startswith(_FORMULA_START)
    return "'" + text if risky else text


def clean_all(x):
    """Plain data (dicts, lists) with every string in it cleaned."""
    if isinstance(x, str):
        return clean(x)
    if isinstance(x, dict):
        return {k: clean_all(v) for k, v in x.items()}
    if isinstance(x, list):
        return [clean_all(v) for v in x]
    return x


def cleaned(report):
    """A copy of `report` (grader.results.Report) with every string in it cleaned: what every view
    starts from, so that a stored or merged report is as safe to show as a fresh one."""
    from grader.results import from_dict

    copy = from_dict(clean_all(report.to_dict()))
    copy.submission = line(copy.submission)
    return copy
