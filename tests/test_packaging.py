"""The package as users get it: the wheel in a fresh environment, one version everywhere, locked installs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

import generator
from generator.scrape.client import USER_AGENT
from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
# Set by the release workflow, which runs this suite against the wheel it built.
WHEEL = os.environ.get("BROADSHEET_WHEEL")
TEST_TOOLS = {"pytest", "pytest-xdist", "playwright", "hypothesis", "zizmor", "feedparser"}


def test_the_wheel_works_in_a_fresh_environment():
    """scripts/smoke-wheel, as the release workflow runs it: build the wheel, install it in a new
    venv outside the checkout, `broadsheet new`, `check`, `build`, and the home page names the site."""
    done = subprocess.run(
        ["bash", str(REPO / "scripts/smoke-wheel"), *([WHEEL] if WHEEL else [])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke-wheel: ok" in done.stdout
    assert f"broadsheet {generator.__version__} from " in done.stdout


def test_the_suite_tests_the_installed_package():
    """Given a wheel (the release workflow), the tests import it, not the checkout beside them."""
    from_checkout = REPO in Path(generator.__file__).resolve().parents
    assert from_checkout is (WHEEL is None), generator.__file__


def test_one_version_everywhere():
    version = PYPROJECT["project"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "semantic versioning"
    assert metadata.version("broadsheet") == version
    assert generator.__version__ == version


def test_version_option_and_the_pin_that_new_writes_agree(tmp_path: Path):
    """`broadsheet --version` prints the metadata's version; `broadsheet new` pins exactly that."""

    def broadsheet(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "generator", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    shown = broadsheet("--version")
    assert shown.returncode == 0, shown.stderr
    printed = re.findall(r"\b\d+\.\d+\.\d+\S*", shown.stdout)
    assert printed == [metadata.version("broadsheet")], shown.stdout
    assert broadsheet("new", "mine").returncode == 0
    pin = (tmp_path / "mine/requirements.txt").read_text(encoding="utf-8").split()[-1]
    assert pin == f"broadsheet=={printed[0]}"


def test_the_user_agent_names_the_version():
    assert f"Broadsheet/{generator.__version__} " in USER_AGENT


def test_no_other_copy_of_the_version_in_the_package():
    """The version is read, never written down a second time."""
    version = re.escape(PYPROJECT["project"]["version"])
    copies = [
        path
        for path in (REPO / "generator").rglob("*.py")
        if re.search(rf"['\"]{version}['\"]", path.read_text(encoding="utf-8"))
    ]
    assert copies == []


def locked(name: str) -> dict[str, str]:
    """Package -> pinned version of requirements/<name>.txt; every pin carries hashes."""
    text = (REPO / "requirements" / f"{name}.txt").read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.MULTILINE))
    assert pins and text.count("==") == len(pins)
    for package in pins:
        assert re.search(rf"^{re.escape(package)}==\S+ \\\n    --hash=sha256:[0-9a-f]{{64}}", text, re.MULTILINE)
    return {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in pins.items()}


def satisfied(requirements: list[str], pins: dict[str, str]) -> None:
    for line in requirements:
        req = Requirement(line)
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{name} is not in the lock"
        assert req.specifier.contains(pins[name]), f"the lock's {name}=={pins[name]} is outside {req.specifier}"


def test_the_lock_covers_every_dependency_within_its_range():
    site, test = locked("site"), locked("test")
    satisfied(PYPROJECT["project"]["dependencies"], site)
    satisfied(PYPROJECT["project"]["optional-dependencies"]["test"], test)
    satisfied(PYPROJECT["build-system"]["requires"], site)
    # The test lock adds to the site lock; it never moves a version the site runs with.
    assert {name: test[name] for name in site} == site


def test_a_site_install_has_no_test_tool():
    assert not TEST_TOOLS & set(locked("site"))
    assert TEST_TOOLS <= set(locked("test"))


def test_ranges_stop_below_the_next_major_version_of_apis_we_use():
    for line in PYPROJECT["project"]["dependencies"]:
        req = Requirement(line)
        assert any(spec.operator == "<" for spec in req.specifier), f"{req.name} has no upper bound"


def test_make_site_installs_the_site_lock_only(tmp_path: Path):
    """`make -n` (commands printed, not run) in a folder with no venv yet: the site target
    installs requirements/site.txt with hashes, and nothing of the test lock or the test tools."""
    for name in ("Makefile", "pyproject.toml"):
        (tmp_path / name).write_bytes((REPO / name).read_bytes())
    (tmp_path / "requirements").mkdir()
    for lock in (REPO / "requirements").glob("*.txt"):
        (tmp_path / "requirements" / lock.name).write_bytes(lock.read_bytes())
    # --no-print-directory: under `make test` this make is a nested one, which would print its folder (a
    # pytest temporary folder, with "pytest" in its name).
    make = ["make", "--no-print-directory", "-n"]
    site = subprocess.run([*make, "site"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert "--require-hashes -r requirements/site.txt" in site
    assert "test.txt" not in site and "install-test-tools" not in site and "pytest" not in site
    test = subprocess.run([*make, "test"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert "--require-hashes -r requirements/test.txt" in test and "install-test-tools" in test
