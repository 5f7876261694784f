"""A command's report is printed again before its words are parsed only while the same words, folder,
environment, wa-lint and files would resolve to it; anything else, and the command runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, later

from wa_lint import config, launch_memo
from wa_lint.cache_store import VouchedStore
from wa_lint.inputs import Inputs
from wa_lint.launch_memo import Launch, LaunchMemo, StaleRun, launch_key, replay, resolving


class _Pipe:
    """A standard stream as a test's subprocess has it: a pipe that encodes UTF-8."""

    encoding = "utf-8"

    def isatty(self) -> bool:
        return False


PIPES = (_Pipe(), _Pipe(), _Pipe())


def _environment(**changes: str) -> dict[str, str]:
    environ = {**os.environ, "PYTHONIOENCODING": "utf-8", **changes}
    environ.pop("NO_COLOR", None)
    return environ


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", project)
    (project / ".git").mkdir()
    return project


def _wa_lint(cwd: Path, *argv: str, environ: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wa_lint", *argv], cwd=cwd, env=environ or _environment(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False)


def _looked_up(cwd: Path, *argv: str, environ: dict[str, str] | None = None) -> Any:
    """What `wa-lint ARGV` run from `cwd` would print before parsing its words (None: it would run)."""
    launch = Launch(launch_key(list(argv), str(cwd), environ or _environment(), PIPES))
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return replay(launch, list(argv))
    finally:
        os.chdir(previous)


def _printed(found: Any) -> tuple[int, str, str]:
    return found.exit_code, _masked("".join(found.pieces(0.0))), found.notes


def _masked(report: str) -> str:
    return re.sub(r"\(\d+\.\d\ds\)", "(<time>)", report)


def test_the_configuration_files_are_the_ones_the_configuration_reads() -> None:
    assert launch_memo.CONFIG_FILES == config.CONFIG_FILES


def test_a_command_run_again_prints_what_it_printed_before_its_words_are_parsed(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert _looked_up(project, ".") is None
    cold = _wa_lint(project, ".")
    assert cold.returncode == 1 and "PERF101" in cold.stdout
    found = _looked_up(project, ".")
    assert found is not None
    assert _printed(found) == (cold.returncode, _masked(cold.stdout), cold.stderr)
    again = _wa_lint(project, ".")
    assert (again.returncode, _masked(again.stdout), again.stderr) == (1, _masked(cold.stdout), cold.stderr)


def test_a_command_naming_its_project_from_the_folder_above_finds_the_projects_cache(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cold = _wa_lint(tmp_path, "demo", "--output-format", "concise")
    assert cold.returncode == 1
    assert not (tmp_path / ".wa_lint_cache").exists()
    found = _looked_up(tmp_path, "demo", "--output-format", "concise")
    assert found is not None and _printed(found) == (1, _masked(cold.stdout), cold.stderr)
    assert _looked_up(project, "demo", "--output-format", "concise") is None, "another folder is another command"


@pytest.mark.parametrize("argv, environ, streams", [
    (["demo", "-q"], {}, PIPES),
    (["demo"], {"NO_COLOR": "1"}, PIPES),
    (["demo"], {"LANG": "C"}, PIPES),
    (["demo"], {}, (_Pipe(), type("Terminal", (_Pipe,), {"isatty": lambda self: True})(), _Pipe())),
    (["demo"], {}, (_Pipe(), type("Latin1", (_Pipe,), {"encoding": "latin-1"})(), _Pipe())),
])
def test_each_thing_a_commands_output_follows_from_is_in_its_key(argv: list[str], environ: dict[str, str],
                                                               streams: tuple[Any, ...]) -> None:
    base = launch_key(["demo"], "/work", {"LANG": "en_US.UTF-8"}, PIPES)
    assert launch_key(["demo"], "/work", {"LANG": "en_US.UTF-8"}, PIPES) == base
    assert launch_key(argv, "/work", {"LANG": "en_US.UTF-8", **environ}, streams) != base
    assert launch_key(["demo"], "/elsewhere", {"LANG": "en_US.UTF-8"}, PIPES) != base


def _configured(project: Path) -> None:
    (project / "wa-lint.toml").write_text('ignore = ["SEC101"]\n')


@pytest.mark.parametrize("change", [
    pytest.param(_configured, id="a configuration file appears"),
    pytest.param(lambda project: (project / "pyproject.toml").write_text('[tool.wa-lint]\nignore = ["SEC101"]\n'),
                 id="a pyproject.toml with a wa-lint table appears"),
    pytest.param(lambda project: (project / "src" / ".git").mkdir(), id="a work tree appears inside the project"),
    pytest.param(lambda project: shutil.rmtree(project / ".git"), id="the work tree goes"),
])
def test_what_moves_the_root_or_the_configuration_makes_the_command_run(tmp_path: Path, change: Any) -> None:
    project = _project(tmp_path)
    _wa_lint(project / "src", ".")
    assert _looked_up(project / "src", ".") is not None
    change(project)
    assert _looked_up(project / "src", ".") is None
    shutil.rmtree(project / ".wa_lint_cache", ignore_errors=True)
    shutil.rmtree(project / "src" / ".wa_lint_cache", ignore_errors=True)
    expected = _wa_lint(project / "src", ".", "--no-cache")
    after = _wa_lint(project / "src", ".")
    assert (after.returncode, _masked(after.stdout)) == (expected.returncode, _masked(expected.stdout))


def test_an_edited_configuration_file_makes_the_command_run(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _configured(project)
    first = _wa_lint(project, ".")
    assert "SEC101" not in first.stdout and _looked_up(project, ".") is not None
    (project / "wa-lint.toml").write_text('ignore = ["PERF101"]\n')
    later(project / "wa-lint.toml")
    assert _looked_up(project, ".") is None
    after = _wa_lint(project, ".")
    assert "SEC101" in after.stdout and "PERF101" not in after.stdout


def test_a_path_named_that_changes_kind_makes_the_command_run(tmp_path: Path) -> None:
    project = _project(tmp_path)
    shutil.copy(project / "template.yaml", project / "other.yaml")
    _wa_lint(project, "other.yaml", "src")
    assert _looked_up(project, "other.yaml", "src") is not None
    (project / "other.yaml").unlink()
    (project / "other.yaml").mkdir()
    assert _looked_up(project, "other.yaml", "src") is None


def test_a_file_the_run_read_that_changes_makes_the_command_run(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _wa_lint(project, ".")
    handler = project / "src" / "orders" / "create_order.py"
    handler.write_text(handler.read_text().replace("last_customer", "recent_customer"))
    later(handler)
    assert isinstance(_looked_up(project, "."), StaleRun), "the command runs again, its run's parts as they were"
    after = _wa_lint(project, ".")
    assert "recent_customer" in after.stdout


def test_a_run_found_stale_by_the_look_up_is_not_read_again_by_the_command(tmp_path: Path, cli: Any,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path)
    _wa_lint(project, ".")
    handler = project / "src" / "orders" / "create_order.py"
    handler.write_text(handler.read_text().replace("last_customer", "recent_customer"))
    later(handler)
    stale = _looked_up(project, ".")
    assert isinstance(stale, StaleRun) and stale.head.changed == [str(handler)]
    # The command takes the head the look-up read: reading it again would take every status again.
    monkeypatch.setattr(VouchedStore, "head", lambda *args, **kwargs: pytest.fail("the head was read again"))
    monkeypatch.chdir(project)
    after = cli(".", obj=Launch(launch_key(["."], str(project), _environment(), PIPES), stale))
    assert after.exit_code == 1 and "recent_customer" in after.output


def test_a_change_to_wa_lints_own_files_makes_the_command_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path)
    _wa_lint(project, ".")
    store = LaunchMemo(project / ".wa_lint_cache")
    launch = Launch(launch_key(["."], str(project), _environment(), PIPES))
    resolved = store.recall(launch.key, launch_memo._decode)
    assert resolved is not None
    # The same entry, kept again with one more file of wa-lint's own (as if a module of it were edited).
    module = tmp_path / "module.py"
    module.write_text("RULES = 1\n")
    later(module)
    own = launch_memo._own_files()
    monkeypatch.setattr(launch_memo, "_own_files", lambda: [*own, str(module)])
    monkeypatch.chdir(project)
    store.keep(launch, resolving([Path(".")], None), resolved[0].printed, resolved[0].run)
    assert _looked_up(project, ".") is not None
    module.write_text("RULES = 2\n")
    later(module)
    assert _looked_up(project, ".") is None


def test_a_cache_git_tracks_is_not_replayed(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = _project(tmp_path)
    shutil.rmtree(project / ".git")
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    _wa_lint(project, ".")
    assert _looked_up(project, ".") is not None
    subprocess.run(["git", "-C", str(project), "add", "-f", ".wa_lint_cache/launches"], check=True)
    assert _looked_up(project, ".") is None


def test_a_damaged_entry_is_a_miss_and_the_command_still_prints_its_report(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cold = _wa_lint(project, ".")
    (entry,) = (project / ".wa_lint_cache" / "launches").iterdir()
    data = bytearray(entry.read_bytes())
    data[-5] ^= 1
    entry.write_bytes(bytes(data))
    assert _looked_up(project, ".") is None
    after = _wa_lint(project, ".")
    assert (after.returncode, _masked(after.stdout), after.stderr) == (1, _masked(cold.stdout), cold.stderr)


def test_a_dangling_git_link_is_looked_past_as_the_root_is(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "src" / ".git").symlink_to(tmp_path / "gone")  # `find_root` follows it, finds nothing, goes up
    _wa_lint(project / "src", ".")
    assert _looked_up(project / "src", ".") is not None
    _configured(project)
    assert _looked_up(project / "src", ".") is None, "the configuration above it is the command's"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_report_printed_again_to_a_full_device_says_it_was_lost(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _wa_lint(project, ".")
    assert _looked_up(project, ".") is not None
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "wa_lint", "."], cwd=project, env=_environment(),
                              stdin=subprocess.DEVNULL, stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=120, check=False)
    assert done.returncode == 2
    assert "wa-lint: error: cannot write the report to standard output" in done.stderr


def test_an_entry_edited_to_vouch_for_a_changed_file_fails_its_seal(tmp_path: Path) -> None:
    from wa_lint.cache_store import json_bytes
    from wa_lint.inputs import _digest, current_stamp

    project = _project(tmp_path)
    _configured(project)
    _wa_lint(project, ".")
    config_file = project / "wa-lint.toml"
    config_file.write_text('ignore = ["PERF101"]\n')
    later(config_file)
    (entry,) = (project / ".wa_lint_cache" / "launches").iterdir()
    sealed, payload = entry.read_bytes().split(b"\n", 1)
    value = json.loads(payload)
    # Well-formed, and vouching for the edited file as it is now: only the seal can tell.
    stamp = current_stamp(str(config_file))
    record = Inputs.decode(value["inputs"])
    record.paths[str(config_file)] = (stamp, _digest(str(config_file), stamp))
    value["inputs"] = record.encode()
    entry.write_bytes(sealed + b"\n" + json_bytes(value))
    assert _looked_up(project, ".") is None
    after = _wa_lint(project, ".")
    assert "SEC101" in after.stdout and "PERF101" not in after.stdout
