"""Builds the hostile corpus in a temporary folder: the committed files plus the ones too big or too odd
to commit (10,000-deep nesting, a 100,000-line module, binary junk, FIFOs, sockets, symlink loops,
unreadable files). expected.yaml says what the run must report for each."""

from __future__ import annotations

import os
import random
import shutil
import socket
from pathlib import Path

import yaml

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
MANIFEST = HERE / "expected.yaml"

SAM_HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\n'
CFN_HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\n'


def expectations() -> dict[str, dict]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def _deep_block_yaml(depth: int) -> str:
    nested = "".join(" " * (level + 2) + f"k{level}:\n" for level in range(depth))
    return CFN_HEAD + "Resources:\n" + nested + " " * (depth + 2) + "leaf: 1\n"


def _deep_sequence_yaml(depth: int) -> str:
    return CFN_HEAD + "Resources:\n  Deep:\n" + "".join(" " * (level + 4) + "-\n" for level in range(depth))


def _globals_fan_out(keys: int, functions: int) -> str:
    """Small text, but every function gets its own merged copy of a large Globals section."""
    section = "".join(f"    Key{index}: {index}\n" for index in range(keys))
    resources = "".join(f"  Fn{index}:\n    Type: AWS::Serverless::Function\n" for index in range(functions))
    return SAM_HEAD + "Globals:\n  Function:\n" + section + "Resources:\n" + resources


def _paths_template() -> str:
    """Handler and code locations the file system cannot hold (NAME_MAX 255, PATH_MAX 4,096, a NUL)."""
    functions = {
        "LongHandler": ("src/", "app." + "h" * 5_000),
        "DottedHandler": ("src/", "." * 500 + "app.handler"),
        "DeepHandler": ("src/", "a/" * 3_000 + "app.handler"),
        "LongCodeUri": ("x" * 300 + "/", "app.handler"),
        "DeepCodeUri": ("a/" * 3_000, "app.handler"),
        "NulCodeUri": ("src\\0", "app.handler"),
        "LockedCodeUri": ("locked/", "app.handler"),
    }
    body = "".join(
        f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: \"{uri}\"\n"
        f"      Handler: \"{handler}\"\n      Runtime: python3.12\n      MemorySize: 512\n"
        f"      Layers: [!Ref {name}Layer]\n"
        f"  {name}Layer:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: \"{uri}\"\n"
        for name, (uri, handler) in functions.items()
    )
    return SAM_HEAD + "Resources:\n" + body


def _wide_modules(modules: int, functions: int) -> dict[str, bytes]:
    """A handler reaching more functions than the call-graph walk follows (its bound is 5,000 states)."""
    files = {}
    for index in range(modules):
        defs = "".join(f"def f{number}(x):\n    return x\n" for number in range(functions))
        calls = "".join(f"    f{number}(x)\n" for number in range(functions))
        files[f"bounds/wide{index}.py"] = (defs + "def every(x):\n" + calls).encode()
    imports = "".join(f"import wide{index}\n" for index in range(modules))
    calls = "".join(f"    wide{index}.every(event)\n" for index in range(modules))
    files["bounds/wide_handler.py"] = (imports + "\n\ndef handler(event, context):\n" + calls + "    return None\n").encode()
    chain = "class C0:\n    def go(self):\n        return None\n" + "".join(
        f"class C{index}(C{index - 1}):\n    pass\n" for index in range(1, 41))
    files["bounds/deep_bases.py"] = (chain + "def handler(event, context):\n    return C40().go()\n").encode()
    return files


def generated_files() -> dict[str, bytes]:
    handler = "def handler(event, context):\n    return "
    rng = random.Random(7)
    return {
        # 10,000 levels of indentation is 50 MB (the size limit answers); 1,400 levels fit in 1 MB.
        "templates/deep-block.yaml": _deep_block_yaml(10_000).encode(),
        "templates/deep-block-1400.yaml": _deep_block_yaml(1_400).encode(),
        "templates/deep-sequence.yaml": _deep_sequence_yaml(10_000).encode(),
        "templates/globals-fan-out.yaml": _globals_fan_out(6_000, 200).encode(),
        "templates/deep-flow.yaml": (CFN_HEAD + "Resources: " + "[" * 10_000 + "]" * 10_000 + "\n").encode(),
        "templates/deep.json": ('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": '
                                + "[" * 10_000 + "]" * 10_000 + "}\n").encode(),
        # CloudFormation caps a template at 1 MB; ours is 2 MiB by default (max-template-bytes).
        "templates/too-big.yaml": (SAM_HEAD + "Resources:\n" + "# padding\n" * 220_000).encode(),
        "app/src/huge_lines.py": (handler + "None\n" + "x = 1\n" * 100_000).encode(),
        "app/src/too_big.py": (handler + "None\n" + "# padding to go over max-python-bytes\n" * 30_000).encode(),
        "app/src/deep_parens.py": (handler + "(" * 3_000 + "1" + ")" * 3_000 + "\n").encode(),
        "app/src/deep_fstring.py": (handler + 'f"{' + "(" * 1_500 + "1" + ")" * 1_500 + '}"\n').encode(),
        "app/src/deep_not.py": (handler + "not " * 5_000 + "event\n").encode(),
        "app/src/binary.py": bytes(rng.randrange(256) for _ in range(4096)),
        "app/src/unreadable.py": (handler + "None\n").encode(),
        "paths/template.yaml": _paths_template().encode(),
        # git's syntax, and patterns that are hard for a backtracking matcher on a deep tree.
        "ignores/.gitignore": b"[z-a]\n[[:alpha:]]x/\n" + b"**/" * 10 + b"deep_ignored.py\n",
        "ignores/bx/app.py": (handler + "None\n").encode(),
        "ignores/" + "l/" * 12 + "deep_ignored.py": (handler + "None\n").encode(),
        "ignores/" + "l/" * 12 + "kept.py": (handler + "None\n").encode(),
        "big-ignore/.gitignore": b"# generated\n" + b"build-output-folder/\n" * 60_000,
        "many-patterns/.gitignore": b"".join(b"*.ext%d\n" % index for index in range(3_000)),
        "deps/template.yaml": (SAM_HEAD + "Resources:\n  Deps:\n    Type: AWS::Serverless::Function\n"
                               "    Properties:\n      CodeUri: src/\n      Handler: app.handler\n"
                               "      Runtime: python3.12\n      MemorySize: 512\n").encode(),
        "deps/src/app.py": b"import helper\nimport requests\n\n\ndef handler(event, context):\n    return helper.f()\n",
        "deps/src/helper.py": b"def f():\n    return None\n",
        "deps/src/requests-2.0.dist-info/METADATA": b"Name: requests\n",
        **_wide_modules(6, 1_000),
    }


def build(target: Path) -> Path:
    """Copy the committed corpus to target/corpus, add the generated files; return the corpus root."""
    root = target / "corpus"
    shutil.copytree(CORPUS, root)
    (root / ".git").mkdir()  # the project root, as in a real repository
    outside = target / "outside"
    outside.mkdir()
    (outside / "app.py").write_text("def handler(event, context):\n    return None\n")
    for name, data in generated_files().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "app/src/unreadable.py").chmod(0)
    os.mkfifo(root / "app/src/fifo.py")
    os.mkfifo(root / "templates/fifo.yaml")
    (root / "app/src/loop.py").symlink_to(root / "app/src/loop.py")
    (root / "templates/loop-a.yaml").symlink_to(root / "templates/loop-b.yaml")
    (root / "templates/loop-b.yaml").symlink_to(root / "templates/loop-a.yaml")
    (root / "templates/loop-dir").symlink_to(root / "templates")
    # Code and ignore files a checkout can hold but that must never be read as such.
    (root / "paths/locked").mkdir()
    (root / "paths/locked/app.py").write_text("def handler(event, context):\n    return None\n")
    (root / "paths/locked").chmod(0)
    (root / "unlistable").mkdir()
    (root / "unlistable/app.py").write_text("def handler(event, context):\n    return None\n")
    (root / "unlistable").chmod(0)
    for folder in ("linked-ignore", "fifo-ignore"):
        (root / folder).mkdir()
        (root / folder / "app.py").write_text("def handler(event, context):\n    return None\n")
    (root / "linked-ignore/.gitignore").symlink_to("/etc/passwd")
    os.mkfifo(root / "fifo-ignore/.gitignore")
    os.mkfifo(root / "deps/requirements.txt")
    (root / "deps/src/requests-2.0.dist-info/RECORD").symlink_to("/dev/zero")
    # The cache folder pointing elsewhere: nothing may be read or written there.
    (outside / "cache").mkdir()
    (root / ".wa_lint_cache").symlink_to(outside / "cache")
    return root


def bind_socket(path: Path) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    return listener
