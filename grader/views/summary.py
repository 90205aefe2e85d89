"""What every view says the same way: the word and colour of each status, and whether a report
covers the whole kit (the text report and the HTML page both use them)."""
STATUS_STYLE = {"passed": "green", "failed": "red", "error": "red", "not_attempted": "yellow"}
STATUS_WORD = {"passed": "pass", "failed": "FAIL", "error": "ERROR", "not_attempted": "todo"}


def everything_graded(report):
    """Whether the report holds every test id (not a selection of parts or ops)."""
    from grader.spec import TEST_IDS  # here: the registry is not needed to write a report's table

    return {t.id for t in report.tests} >= set(TEST_IDS)
