"""The linked rules' severities and messages on their fixtures, where a finding's weight depends on what
the template says about the function (its triggers, how it is deployed)."""

from __future__ import annotations

from conftest import FIXTURES

from wa_lint.config import Config
from wa_lint.pipeline import run


def test_sec102_is_info_for_events_that_carry_no_request_data() -> None:
    result = run([FIXTURES / "SEC102-event-logged" / "bad"], Config(select=("SEC102",)))
    severities = {finding.function: str(finding.severity) for finding in result.findings}
    assert severities == {"DecoratedFunction": "warning", "EnvironmentFunction": "warning",
                          "PlainFunction": "warning", "ThumbnailFunction": "info", "NightlyFunction": "info",
                          "SetupFunction": "info"}
    messages = {finding.function: finding.message for finding in result.findings}
    assert "S3 notifications" in messages["ThumbnailFunction"]
    assert "it runs only on a schedule" in messages["NightlyFunction"]
    assert "custom resource" in messages["SetupFunction"]
