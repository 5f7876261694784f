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
        (root / name).write_bytes(data)
    (root / "app/src/unreadable.py").chmod(0)
    os.mkfifo(root / "app/src/fifo.py")
    os.mkfifo(root / "templates/fifo.yaml")
    (root / "app/src/loop.py").symlink_to(root / "app/src/loop.py")
    (root / "templates/loop-a.yaml").symlink_to(root / "templates/loop-b.yaml")
    (root / "templates/loop-b.yaml").symlink_to(root / "templates/loop-a.yaml")
    (root / "templates/loop-dir").symlink_to(root / "templates")
    return root


def bind_socket(path: Path) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    return listener
