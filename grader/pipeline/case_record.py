"""One record per case, flowing through the pipeline: its inputs, then what the reference and
PyTorch expect, then what the student's code returned or raised."""
import dataclasses


@dataclasses.dataclass
class CaseRecord:
    """A case of one test id, as each stage leaves it."""

    index: int  # 0-based, in the order the child runs the cases
    inputs: dict
    hidden: bool
    reference: object = None  # the reference's values, or the Exception computing them raised (a kit bug)
    torch: dict | None = None  # PyTorch's values, None when unavailable
    got: dict | None = None  # what the student's code returned
    error: dict | None = None  # what it raised: {type, message, where}


def from_cases(cases, ref_values=None, torch_values=None):
    """Records from [(case, hidden)] and index-aligned expectations (the older stage interface)."""
    def at(values, i):
        return values[i] if values is not None and i < len(values) else None

    return [CaseRecord(i, case, hidden, at(ref_values, i), at(torch_values, i)) for i, (case, hidden) in enumerate(cases)]
