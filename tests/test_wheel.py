"""The wheel carries the rule catalogue: `wa-lint rules` works from an installed wheel."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_wheel_ships_rules_and_lists_them(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(REPO)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("wa_lint-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    shipped = {Path(n).name for n in names if n.startswith("wa_lint/_rules/")}
    assert shipped == {p.name for p in (REPO / "rules").glob("*.md")}
    assert "wa_lint/schemas/config.schema.json" in names
    assert "wa_lint/report/formats/html/style.css" in names, "the HTML report inlines its stylesheet"
    # pyproject declares Apache-2.0: the licence text travels with every wheel.
    assert any(n.endswith((".dist-info/licenses/LICENSE", ".dist-info/LICENSE")) for n in names), names
    site = tmp_path / "site"
    script = (
        f"import sys; sys.path.insert(0, {str(site)!r}); import wa_lint, wa_lint.check.registry as r; "
        f"assert wa_lint.__file__.startswith({str(site)!r}), wa_lint.__file__; "
        "assert r.rules_dir().name == '_rules'; from wa_lint.cli import main; main(['rules', '--output-format', 'json'])"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    codes = {row["code"] for row in json.loads(result.stdout)}
    assert codes == {p.stem for p in (REPO / "rules").glob("*.md")}
