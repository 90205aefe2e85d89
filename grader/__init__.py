"""The grader: cases, running student code in isolation, scoring and reports."""
