"""What instructors build from the answer key: stubs (exercises/), expectations (PyTorch's stored
values), release (the student kit), nbgrader_course, gradescope (the autograder zip)."""
