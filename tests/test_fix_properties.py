"""Property: over generated handler modules, `--fix` output parses, a second run is a no-op, and no
PERF101 finding is left when every client was built from environment-fixed arguments."""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wa_lint.config import Config
from wa_lint.fix.apply import fix_files
from wa_lint.pipeline import run

SELECT = Config().with_overrides(select=("PERF101",))
IMPORTS = {"boto3": ("import boto3", "boto3.client"), "alias": ("import boto3 as b3", "b3.client"),
           "from": ("from boto3 import client", "client")}
SAFE_ARGUMENTS = ['"eu-west-1"', 'os.environ["AWS_REGION"]', 'os.environ.get("REGION", "us-east-1")', "REGION"]
SERVICES = ["s3", "sqs", "sns", "dynamodb"]


@st.composite
def modules(draw: st.DrawFn) -> tuple[str, bool]:
    style = draw(st.sampled_from(sorted(IMPORTS)))
    import_line, constructor = IMPORTS[style]
    lines = ["import os", import_line, "", 'REGION = "eu-west-1"', "", ""]
    all_safe = True
    for index in range(draw(st.integers(1, 3))):
        lines += [f"def h{index}_handler(event, context):", "    used = []"]
        if draw(st.booleans()):
            lines.append("    # a comment that stays")
        taken: set[str] = set()
        for _ in range(draw(st.integers(1, 3))):
            service = draw(st.sampled_from(SERVICES))
            event_argument = draw(st.booleans()) and draw(st.booleans())
            argument = 'event["region"]' if event_argument else draw(st.sampled_from(SAFE_ARGUMENTS))
            all_safe &= not event_argument
            # A variable assigned twice in one function is left alone by design: one name per client.
            names = [n for n in (service, f"{service}_client", *(["client"] if style != "from" else []))
                     if n not in taken]
            variable = draw(st.sampled_from(names)) if names else ""
            taken.add(variable)
            form = draw(st.sampled_from(["assign", "inline"]))
            call = f'{constructor}("{service}", region_name={argument})'
            if form == "assign" and variable:
                lines += [f"    {variable} = {call}", f"    used.append({variable}.meta)"]
            else:
                lines.append(f"    used.append({call}.meta)")
        lines += ["    return used", "", ""]
    return "\n".join(lines).rstrip() + "\n", all_safe


def _behaviour(source: str) -> list[object]:
    """What each handler returns, with a stand-in boto3 whose clients say which service and region they
    were built for: the fix may change when a client is built, never which one a function uses."""
    import os
    import sys
    import types

    stub = types.ModuleType("boto3")
    stub.client = lambda service, region_name=None: types.SimpleNamespace(meta=(service, region_name))  # type: ignore[attr-defined]
    saved = sys.modules.get("boto3")
    sys.modules["boto3"] = stub
    os.environ.setdefault("AWS_REGION", "eu-central-1")
    try:
        namespace: dict[str, object] = {}
        exec(compile(source, "app.py", "exec"), namespace)  # noqa: S102 - generated test code
        handlers = sorted(name for name in namespace if name.endswith("_handler"))
        return [namespace[name]({"region": "ap-south-1"}, None) for name in handlers]  # type: ignore[operator]
    finally:
        if saved is None:
            sys.modules.pop("boto3", None)
        else:
            sys.modules["boto3"] = saved


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(modules())
@example((("import boto3\n\n\ndef h0_handler(event, context):\n    client = boto3.client('s3')\n    return [client.meta]\n\n\n"
          "def h1_handler(event, context):\n    client = boto3.client('sqs')\n    return [client.meta]\n"), True))
def test_fixed_modules_parse_settle_and_lose_their_safe_findings(case: tuple[str, bool]) -> None:
    source, all_safe = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "app.py").write_text(source)
        outcome = fix_files(lambda: run([root], SELECT, use_cache=False, jobs=1))
        assert outcome.fixed or not all_safe, "every generated module has a safe client to fix"
        fixed = (root / "app.py").read_text()
        ast.parse(fixed)
        assert not outcome.failures
        again = fix_files(lambda: run([root], SELECT, use_cache=False, jobs=1))
        assert again.fixed == 0 and (root / "app.py").read_text() == fixed
        assert _behaviour(fixed) == _behaviour(source), fixed
        if all_safe:
            assert [f for f in again.result.findings if f.code == "PERF101"] == [], fixed
