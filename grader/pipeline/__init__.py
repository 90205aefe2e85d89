"""The grading pipeline, in flow order: intake and shapes (read the submission), cases, sandbox and
child (run the student's code, contained), protocol (what comes back), expect and torch_expect
(the reference's and PyTorch's values), compare, diagnose, and check (score each test id)."""
