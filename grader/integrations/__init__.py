"""The grader inside other tools: pytest_plugin (`pytest exercises/`), notebook_check and
notebook_grading (a notebook's test cells), nbgrader_scores (nbgrader autograde), gradescope_run
(Gradescope's container)."""
