"""nbgrader's configuration for the example course (run nbgrader from this folder)."""

c = get_config()  # noqa: F821 - nbgrader provides get_config

c.CourseDirectory.course_id = "matdiff-101"
# graded test cells call assert_derivative; its AssertionError names the slip, and
# autograde keeps that message in the autograded notebook and in the feedback
c.ExecutePreprocessor.timeout = 120
c.ClearSolutions.code_stub = {"python": "# YOUR ANSWER HERE\nraise NotImplementedError()"}
