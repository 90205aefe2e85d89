"""tools/system-packages, the one place that installs the system programs the kit uses: run with
a PATH that hides the real ones, and stand-ins for apt-get, brew, id and uname that record what
they were asked (nothing is installed on this machine)."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "system-packages"
ALL = ["dot", "chromium", "bwrap"]

# a package manager that logs its arguments and "installs" a package by putting its program on PATH
FAKE_MANAGER = """#!/bin/bash
echo "${0##*/} $*" >> "$FAKE_LOG"
[ -n "${FAKE_FAIL:-}" ] && exit 100
for word in "$@"; do
    case "$word" in
        graphviz) program=dot ;; chromium) program=chromium ;; bubblewrap) program=bwrap ;;
        valgrind) program=valgrind ;; unzip) program=unzip ;; *) continue ;;
    esac
    echo '#!/bin/bash' > "$FAKE_BIN/$program"
    /bin/chmod +x "$FAKE_BIN/$program"
done
"""


class Machine:
    """A PATH of stand-ins: which programs exist, who we are, which system, which package manager."""

    def __init__(self, folder, present=(), uid=0, system="Linux", manager="apt-get", fail=False):
        self.bin, self.log = folder / "bin", folder / "log"
        self.bin.mkdir()
        self.log.touch()
        self.env = {"PATH": str(self.bin), "FAKE_LOG": str(self.log), "FAKE_BIN": str(self.bin),
                    **({"FAKE_FAIL": "1"} if fail else {})}
        self._write("id", f"#!/bin/bash\necho {uid}\n")
        self._write("uname", f"#!/bin/bash\necho {system}\n")
        if manager:
            self._write(manager, FAKE_MANAGER)
        for program in present:
            self._write(program, "#!/bin/bash\n")

    def _write(self, name, text):
        (self.bin / name).write_text(text)
        os.chmod(self.bin / name, 0o755)

    def run(self, *args):
        proc = subprocess.run(["/bin/bash", str(SCRIPT), *args], env=self.env, capture_output=True, text=True,
                              timeout=60)
        return proc, self.log.read_text().splitlines()


def test_as_root_with_apt_get_the_missing_ones_are_installed_once(tmp_path):
    machine = Machine(tmp_path)
    proc, calls = machine.run(*ALL)
    assert proc.returncode == 0, proc.stderr
    assert calls == ["apt-get update -qq",
                     "apt-get install -y -qq --no-install-recommends graphviz chromium bubblewrap"]
    proc, calls_again = machine.run("--strict", *ALL)  # now all there: nothing more to do
    assert proc.returncode == 0 and calls_again == calls and proc.stdout == ""


def test_only_what_is_missing_is_installed(tmp_path):
    proc, calls = Machine(tmp_path, present=["dot", "bwrap"]).run(*ALL)
    assert proc.returncode == 0
    assert calls[-1] == "apt-get install -y -qq --no-install-recommends chromium"


def test_without_root_the_command_is_printed_not_run(tmp_path):
    machine = Machine(tmp_path, uid=1000)
    proc, calls = machine.run(*ALL)
    assert proc.returncode == 0 and calls == []
    assert "sudo apt-get install -y --no-install-recommends graphviz chromium bubblewrap" in proc.stdout
    assert "tests are skipped" in proc.stdout
    proc, _ = machine.run("--strict", *ALL)
    assert proc.returncode == 1


def test_a_failed_install_is_reported(tmp_path):
    proc, calls = Machine(tmp_path, fail=True).run("--strict", "dot")
    assert calls == ["apt-get update -qq"] and proc.returncode == 1
    assert "without dot" in proc.stdout


def test_macos_uses_homebrew_for_graphviz(tmp_path):
    proc, calls = Machine(tmp_path, system="Darwin", manager="brew").run(*ALL)
    assert proc.returncode == 0
    assert calls == ["brew install graphviz"]
    assert "without chromium bwrap" in proc.stdout  # neither is a Homebrew formula for macOS


def test_macos_without_homebrew_gets_the_command(tmp_path):
    proc, calls = Machine(tmp_path, system="Darwin", manager=None).run("dot")
    assert proc.returncode == 0 and "brew install graphviz" in proc.stdout


def test_no_package_manager_names_the_packages(tmp_path):
    proc, _ = Machine(tmp_path, manager=None).run("dot", "bwrap")
    assert proc.returncode == 0 and "graphviz bubblewrap" in proc.stdout


def test_an_unknown_program_is_a_usage_error(tmp_path):
    proc, calls = Machine(tmp_path).run("dot", "latex")
    assert proc.returncode == 2 and "latex" in proc.stderr and calls == []


def test_the_tests_other_programs_come_the_same_way(tmp_path):
    proc, calls = Machine(tmp_path, present=ALL).run("--strict", *ALL, "valgrind", "unzip")
    assert proc.returncode == 0
    assert calls[-1] == "apt-get install -y -qq --no-install-recommends valgrind unzip"


@pytest.mark.parametrize("user", ["Makefile", ".ci/run"])
def test_set_up_and_ci_use_this_script_and_no_list_of_their_own(user):
    text = (ROOT / user).read_text()
    assert "tools/system-packages" in text or user == ".ci/run" and "make test" in text
    assert "apt-get" not in text and "brew " not in text
