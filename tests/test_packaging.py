"""The release artefacts: the sdist and the wheel build, pass ``twine check``, hold every
module of the package, and the wheel installed alone in a fresh venv imports every module and
runs the command line on the seed cell."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import venv
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "matdiff_magic"


def _modules() -> set[str]:
    """Every module of the source tree, as dotted names."""
    out = set()
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out.add(".".join(parts))
    return out


def _run(cmd: list[str], cwd: pathlib.Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(ROOT)],
         cwd=out)
    return out


def test_sdist_and_wheel_pass_twine_check(dist):
    files = sorted(dist.iterdir())
    assert any(f.suffix == ".whl" for f in files) and any(f.name.endswith(".tar.gz")
                                                         for f in files), files
    done = _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)], cwd=dist)
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_wheel_holds_every_module_the_license_and_py_typed(dist):
    wheel = next(dist.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    in_wheel = {n[:-3].replace("/", ".").removesuffix(".__init__") for n in names
                if n.endswith(".py")}
    assert _modules() <= in_wheel, sorted(_modules() - in_wheel)
    assert "matdiff_magic/py.typed" in names
    assert any(n.endswith("licenses/LICENSE") for n in names), sorted(names)


def test_wheel_alone_in_a_fresh_venv_imports_everything_and_runs_the_cli(dist, tmp_path):
    wheel = next(dist.glob("*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    py = str(bindir / "python")
    _run([py, "-m", "pip", "install", "-q", str(wheel)], cwd=tmp_path, timeout=900)
    modules = sorted(_modules() - {"matdiff_magic.__main__"})   # that one runs the CLI
    code = ("import importlib, matdiff_magic, pathlib\n"
            f"for m in {modules!r}:\n"
            "    importlib.import_module(m)\n"
            "print(pathlib.Path(matdiff_magic.__file__).parent)\n")
    done = _run([py, "-c", code], cwd=tmp_path)
    assert str(env_dir) in done.stdout, done.stdout     # the wheel's copy, not the source tree
    seed = ["X Y' X", "--wrt", "X", "--shape", "X, Y: m x n", "--check"]
    for cli in ([str(bindir / "matdiff")], [py, "-m", "matdiff_magic"]):
        done = _run(cli + seed, cwd=tmp_path)
        assert "XᵀY ⊗ I_m + I_n ⊗ XYᵀ" in done.stdout, done.stdout
        assert "passed" in done.stdout.lower(), done.stdout
