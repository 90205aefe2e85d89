"""The demo's data points, `[x, y, class]` lists: checking them, applying a table's edits and the map's.

Edits arrive as streamlit's data-editor changes (`edited_rows`, `added_rows`, `deleted_rows`),
here applied to a plain list so that they can be checked before anything is kept: a bad edit
is refused with a message and the points stay as they were.
"""
import math

PLOT_RANGE = (-2.5, 2.5)  # both axes; every data set of micrograd_ref.data lies inside
CLASSES = (0, 1, 2)
COLUMNS = ("x", "y", "class")


def check_point(x, y, c):
    """None if (x, y, c) is a point the demo can take, else what is wrong with it, for the page."""
    lo, hi = PLOT_RANGE
    for name, v in (("x", x), ("y", y)):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return f"{name} is missing"
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            return f"{name} = {v} is not a number"
        if not lo <= v <= hi:
            return f"{name} = {v:g} is outside the plot, which spans {lo:g} to {hi:g}"
    if c not in CLASSES:
        return f"class {c} is not one of {', '.join(map(str, CLASSES))}"
    return None


def apply_edits(points, changes):
    """Apply data-editor `changes` to `points`; return (new_points, problem, pending).

    `problem` names the first bad row (and then `new_points` is None: nothing is kept);
    `pending` is True while an added row is still being filled in (also nothing kept yet).
    """
    rows = [list(p) for p in points]
    for index, edit in changes.get("edited_rows", {}).items():
        row = rows[int(index)]
        for column, value in edit.items():
            row[COLUMNS.index(column)] = value
    added = [[row.get(column) for column in COLUMNS] for row in changes.get("added_rows", [])]
    if any(v is None for row in added for v in row):
        return None, None, True
    deleted = {int(i) for i in changes.get("deleted_rows", [])}
    rows = [row for i, row in enumerate(rows) if i not in deleted] + added
    for number, (x, y, c) in enumerate(rows, start=1):
        problem = check_point(_number(x), _number(y), _class(c))
        if problem:
            return None, f"Row {number}: {problem}. The edit was not kept.", False
    return [[float(x), float(y), _class(c)] for x, y, c in rows], None, False


def _number(v):
    # The editor hands back numbers, but a typed cell may arrive as text.
    try:
        return float(v)
    except (TypeError, ValueError):
        return v


def _class(c):
    try:
        return int(c) if float(c) == int(float(c)) else c
    except (TypeError, ValueError, OverflowError):
        return c


def apply_event(points, example, event):
    """Apply one edit from the map to `points`; return (new_points, new_example, problem).

    `event` is a dict: {"type": "add", "x", "y", "class"}, {"type": "move", "index", "x", "y"},
    {"type": "delete", "index"} or {"type": "select", "index"}; `example` is the index of the
    point whose graph is shown. A point dragged past the edge stays on it. An edit that cannot
    apply (a bad class, an index that is gone) changes nothing and says why; `points` itself is
    never changed (a new list comes back when anything changed).
    """
    kind = event.get("type")
    if kind == "add":
        x, y, c = _number(event.get("x")), _number(event.get("y")), _class(event.get("class"))
        problem = check_point(x, y, c)
        if problem:
            return points, example, f"Point not added: {problem}."
        return points + [[float(x), float(y), c]], example, None
    index = event.get("index")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(points):
        return points, example, None  # a point that is already gone: nothing to do
    if kind == "select":
        return points, index, None
    if kind == "delete":
        new = points[:index] + points[index + 1 :]
        if example > index or example == len(new):
            example -= 1
        return new, max(example, 0), None
    if kind == "move":
        x, y = _number(event.get("x")), _number(event.get("y"))
        lo, hi = PLOT_RANGE
        if not all(isinstance(v, float) and math.isfinite(v) for v in (x, y)):
            return points, example, "Point not moved: its new place is not a pair of numbers."
        new = [list(p) for p in points]
        new[index][:2] = [min(max(x, lo), hi), min(max(y, lo), hi)]
        return new, index, None
    return points, example, None
