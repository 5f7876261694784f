"""Our gitignore matcher follows git's rules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from wa_lint.discover.gitignore import GitIgnore

PATTERNS = ["*.pyc", "build/", "/top.txt", "docs/**/gen", "!keep.pyc", "a/**", "**/logs", "x[0-9].y",
            "# comment", "", "trailing  ", r"\#hash", "dir/*.tmp", "[!q]z"]


@pytest.mark.parametrize(
    ("path", "is_dir", "ignored"),
    [
        ("m.pyc", False, True), ("deep/m.pyc", False, True), ("keep.pyc", False, False),
        ("build", True, True), ("build", False, False), ("top.txt", False, True), ("sub/top.txt", False, False),
        ("docs/gen", True, True), ("docs/a/b/gen", False, True), ("a/b/c", False, True), ("a", True, False),
        ("logs", True, True), ("x/y/logs", False, True), ("x5.y", False, True), ("xa.y", False, False),
        ("trailing", False, True), ("#hash", False, True), ("comment", False, False),
        ("dir/f.tmp", False, True), ("dir/sub/f.tmp", False, False), ("az", False, True), ("qz", False, False),
    ],
)
def test_rules(path: str, is_dir: bool, ignored: bool) -> None:
    assert GitIgnore(PATTERNS).match(path, is_dir) is ignored


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_agrees_with_git_check_ignore(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("\n".join(PATTERNS) + "\n")
    paths = ["m.pyc", "deep/m.pyc", "keep.pyc", "top.txt", "sub/top.txt", "docs/a/b/gen", "x5.y", "xa.y",
             "dir/f.tmp", "dir/sub/f.tmp", "az", "qz", "a/b/c", "x/y/logs", "trailing", "#hash"]
    result = subprocess.run(["git", "-C", str(tmp_path), "check-ignore", "--no-index", "--stdin"],
                            input="\n".join(paths), capture_output=True, text=True, check=False)
    by_git = set(result.stdout.split("\n")) - {""}
    ours = {p for p in paths if GitIgnore(PATTERNS).match(p, is_dir=False)}
    assert ours == by_git


def test_match_within_covers_files_below_a_matched_folder() -> None:
    spec = GitIgnore(["tests/", "*.gen.py", "legacy/**"])
    assert spec.match_within("tests/unit/test_a.py") and spec.match_within("src/tests/b.py")
    assert spec.match_within("x/y.gen.py") and spec.match_within("legacy/a/b.py")
    assert not spec.match_within("src/app.py") and not spec.match_within("tests.py")


def _last_match_wins(spec: GitIgnore, relative: str, is_dir: bool) -> bool | None:
    """git's rule spelled out: the last pattern that matches decides."""
    verdict = None
    for pattern in spec.patterns:
        if (is_dir or not pattern.directory_only) and pattern.matches(relative):
            verdict = not pattern.negated
    return verdict


@pytest.mark.parametrize("patterns", [PATTERNS, [p for p in PATTERNS if not p.startswith("!")],
                                      ["*.py", "!keep*.py", "keep_not.py", "!build/", "build", "!/top.txt"],
                                      # Leading and trailing stars (string tests), overriding each other.
                                      ["*.log", "!keep*", "keep_not*", "!*.md", ".env*", "!.env.example", "*~",
                                       "*", "!*.py", "build*/", "!*.keep.log"], ["*.log", "!keep*", ".env*"]])
def test_combined_regex_agrees_with_the_pattern_loop(patterns: list[str]) -> None:
    spec = GitIgnore(patterns)
    paths = ["m.pyc", "deep/m.pyc", "keep.pyc", "build", "top.txt", "sub/top.txt", "docs/a/b/gen", "a/b/c",
             "x/y/logs", "x5.y", "xa.y", "trailing", "#hash", "dir/f.tmp", "dir/sub/f.tmp", "az", "qz", "src/app.py",
             "a.py", "keep_me.py", "keep_not.py", "x/keep_not.py", "x/build",
             "x.log", "x.log\n", "a/keep.log", "keep_not.md", ".env", ".env.example", "a/.envrc", "b~", "builder",
             "x.keep.log", "README.md", "keep\n", ".env\n"]
    for path in paths:
        for is_dir in (False, True):
            assert spec.decide(path, is_dir) == _last_match_wins(spec, path, is_dir), (path, is_dir)


HOSTILE = ["[z-a]", "[a-cz-a]q", "[[:alpha:]]x", "[[:digit:][:upper:]]y", "[[:bogus:]]z", "[[]w", "[]]v",
           "**/**/**/**/**/**/**/**/**/**/deep", "a*b*c*d*e", "/top/**/mid/**/end", "[!a]n"]
HOSTILE_PATHS = ["z", "a", "bq", "zq", "bx", "1x", "xx", "5y", "Ay", "ay", "bz", "[w", "]v", "l/l/l/l/l/l/l/l/l/l/deep",
                 "deep", "abcde", "aXbYcZdQe", "abcd", "top/a/mid/b/c/end", "top/end/mid", "bn", "an", "x/bn"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hostile_patterns_agree_with_git(tmp_path: Path) -> None:
    """Git's class syntax (`[[:alpha:]]`, reversed ranges) and patterns that defeat a backtracking regex."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("\n".join(HOSTILE) + "\n")
    result = subprocess.run(["git", "-C", str(tmp_path), "check-ignore", "--no-index", "--stdin"],
                            input="\n".join(HOSTILE_PATHS), capture_output=True, text=True, check=False)
    by_git = set(result.stdout.split("\n")) - {""}
    ours = {p for p in HOSTILE_PATHS if GitIgnore(HOSTILE).match(p, is_dir=False)}
    assert ours == by_git


def test_many_double_stars_take_linear_time_on_a_deep_path() -> None:
    import time

    spec = GitIgnore(["**/" * 10 + "x", "/" + "a/**/" * 8 + "x", "*a*a*a*a*a*a*a*a*b"])
    started = time.perf_counter()
    assert not spec.match("a/" * 2_000 + "y", is_dir=False)
    assert not spec.match("q/" + "a" * 250, is_dir=False)
    assert time.perf_counter() - started < 1.0


# Patterns from real .gitignore files that take the automaton or the name-only path: a class among
# many wildcards (which once raised instead of matching), and `**/` before a name pattern.
AUTOMATON = ["report.[0-9]*.[0-9]*.[0-9]*.[0-9]*.json", "**/*.terraform*", "**/.*.tfstate.*",
             "!**/src/test/**/build/", "**/[Pp]ackages/*", "/**/cache"]
AUTOMATON_PATHS = ["report.1.2.3.4.json", "x/report.10.2.3.44.json", "report.a.2.3.4.json", "a.terraform",
                   "deep/dir/.terraform.lock.hcl", "x.terraformrc", ".foo.tfstate.bak", "d/.a.tfstate.1",
                   "Packages/x", "a/packages/y", "src/packages", "cache", "a/b/cache", "cachex"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_automaton_and_double_star_name_patterns_agree_with_git(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("\n".join(AUTOMATON) + "\n")
    result = subprocess.run(["git", "-C", str(tmp_path), "check-ignore", "--no-index", "--stdin"],
                            input="\n".join(AUTOMATON_PATHS), capture_output=True, text=True, check=False)
    by_git = set(result.stdout.split("\n")) - {""}
    spec = GitIgnore(AUTOMATON)
    assert {p for p in AUTOMATON_PATHS if spec.match(p, is_dir=False)} == by_git
    # Asked again (the automaton now answers from the steps it remembered): the same answers.
    assert {p for p in AUTOMATON_PATHS if spec.match(p, is_dir=False)} == by_git
    assert len(by_git) >= 8


def test_folders_sharing_a_gitignore_text_each_apply_it_to_their_own_entries(tmp_path: Path) -> None:
    from wa_lint.discover.walk import discover

    # The walk parses one text once and shares it: anchored patterns must still be relative to each folder.
    for app in ("one", "two"):
        (tmp_path / app / "build").mkdir(parents=True)
        (tmp_path / app / "nested" / "build").mkdir(parents=True)
        (tmp_path / app / ".gitignore").write_text("/build\n*.log\n!keep.log\n")
        for folder in (tmp_path / app / "build", tmp_path / app / "nested" / "build"):
            (folder / "handler.py").write_text("def handler(event, context):\n    return 1\n")
        (tmp_path / app / "debug.log").write_text("x")
        (tmp_path / app / "keep.log").write_text("x")
    (tmp_path / "three").mkdir()
    (tmp_path / "three" / ".gitignore").write_text("*.py\n")  # another text: a wrong share would leak it
    (tmp_path / "three" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    found = discover([tmp_path], tmp_path)
    python = sorted(path.relative_to(tmp_path).as_posix() for path in found.python)
    assert python == ["one/nested/build/handler.py", "two/nested/build/handler.py"]
