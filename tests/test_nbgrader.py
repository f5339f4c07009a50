"""Autograding with nbgrader: the example course in examples/course/ goes through nbgrader's
own ``generate_assignment``, ``autograde`` and ``generate_feedback`` on a copy in a temporary
folder, and the grades and the feedback are what assert_derivative's verdicts say.

Student ``ada`` answers every problem right, in equivalent forms (LaTeX, a transposed
product, ⊗ for kron); student ``ben`` makes two typical slips: the numerator layout's
transpose (``B A`` for the gradient ``AᵀBᵀ`` of tr(AXB)) and a term of the product rule
lost in the Jacobian of X Yᵀ X. Skipped, with the reason, only when nbgrader is not
installed outside CI; under CI=true it must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "examples" / "course"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POINTS = {"test_1": 2.0, "test_2": 3.0, "test_3": 2.0}

try:
    import nbgrader  # noqa: F401
    _missing = None
except ImportError:
    _missing = "nbgrader is not installed (pip install -e '.[test]')"
if _missing and IN_CI:
    raise RuntimeError(f"the nbgrader test must run under CI, but {_missing}")
pytestmark = pytest.mark.skipif(_missing is not None, reason=_missing or "")


def _nbgrader(course: Path, *args: str) -> str:
    base = course.parent
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(base / "config"),
               JUPYTER_DATA_DIR=str(base / "data"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               IPYTHONDIR=str(base / "ipython"), JUPYTER_PLATFORM_DIRS="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout[-3000:]}\n" \
                                 f"{done.stderr[-5000:]}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    course = tmp_path_factory.mktemp("nbgrader") / "course"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course)
    for part in ("source", "submitted"):
        shutil.copytree(COURSE / part, course / part)
    _nbgrader(course, "generate_assignment", "ps1", "--force")
    _nbgrader(course, "autograde", "ps1", "--force")
    _nbgrader(course, "generate_feedback", "ps1", "--force")
    return course


def _scores(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook
    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ("ada", "ben"):
            sub = gb.find_submission("ps1", student)
            grades = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
            assert {g.name: g.max_score for nb in sub.notebooks for g in nb.grades} == POINTS
            out[student] = dict(grades, total=sub.score)
    return out


def _errors(notebook: Path) -> dict[str, str]:
    """grade_id -> the error the graded cell raised, in the autograded notebook."""
    nb = nbformat.read(notebook, as_version=4)
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.output_type == "error":
                out[cell.metadata["nbgrader"]["grade_id"]] = f"{o.ename}: {o.evalue}"
    return out


def test_generate_assignment_strips_the_solutions(graded):
    release = (graded / "release" / "ps1" / "ps1.ipynb").read_text(encoding="utf-8")
    source = nbformat.read(COURSE / "source" / "ps1" / "ps1.ipynb", as_version=4)
    solutions = [c.source for c in source.cells if c.metadata["nbgrader"]["solution"]]
    assert len(solutions) == 3
    for sol in solutions:
        answer = sol.splitlines()[1]          # the line between BEGIN and END SOLUTION
        assert nbformat.reads(release, as_version=4) and answer not in release
    assert release.count("raise NotImplementedError()") == 3
    assert release.count("assert_derivative(") == 3     # the three graded tests


def test_autograde_gives_the_points_the_verdicts_give(graded):
    scores = _scores(graded)
    assert scores["ada"] == {"test_1": 2.0, "test_2": 3.0, "test_3": 2.0, "total": 7.0}
    assert scores["ben"] == {"test_1": 0.0, "test_2": 0.0, "test_3": 2.0, "total": 2.0}


def test_the_slip_is_named_in_the_autograded_notebook_and_the_feedback(graded):
    assert _errors(graded / "autograded" / "ada" / "ps1" / "ps1.ipynb") == {}
    errors = _errors(graded / "autograded" / "ben" / "ps1" / "ps1.ipynb")
    assert set(errors) == {"test_1", "test_2"}, errors
    assert errors["test_1"].startswith("AssertionError: transposed: The claim is the "
                                       "transpose of the answer"), errors
    assert "numerator layout" in errors["test_1"]
    assert errors["test_2"] == "AssertionError: missing-term: A term is missing: I_n ⊗ XYᵀ.", \
        errors
    feedback = (graded / "feedback" / "ben" / "ps1" / "ps1.html").read_text(encoding="utf-8")
    assert "transposed: The claim is the transpose of the answer" in feedback
    assert "missing-term: A term is missing: I_n ⊗ XYᵀ." in feedback
    assert "Score: 2.0 / 7.0" in feedback
    ada = (graded / "feedback" / "ada" / "ps1" / "ps1.html").read_text(encoding="utf-8")
    assert "AssertionError" not in ada and "Score: 7.0 / 7.0" in ada
