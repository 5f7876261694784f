"""OPS007's dated runtime table: past, soon, and far deprecation dates (fixtures cover only the past)."""

from __future__ import annotations

import datetime

from wa_lint.check.template._runtimes import AS_OF, DEPRECATION, successor
from wa_lint.check.template.deprecated_runtime import deprecation

DAY = datetime.date(2027, 2, 1)


def test_past_soon_and_far_dates() -> None:
    assert deprecation("python3.9", DAY, 90) == (datetime.date(2025, 12, 15), (datetime.date(2025, 12, 15) - DAY).days)
    assert deprecation("nodejs22.x", DAY, 90) == (datetime.date(2027, 4, 30), 88)  # inside the 90-day window
    assert deprecation("nodejs22.x", DAY, 60) is None  # a shorter window ignores it
    assert deprecation("python3.13", DAY, 90) is None
    assert deprecation(" Python3.9 ", DAY, 90) is not None  # written with spaces or capitals
    assert deprecation("rust1.x", DAY, 90) is None  # not in the table: never guessed


def test_successor_is_the_longest_supported_runtime_of_the_language() -> None:
    assert successor("python3.8", DAY) == "python3.14"  # same date as 3.13: the newer version wins
    assert successor("nodejs16.x", DAY) == "nodejs24.x"
    assert successor("go1.x", DAY) == "provided.al2023"
    assert successor("dotnetcore3.1", DAY) == "dotnet10"
    assert successor("cobol", DAY) is None


def test_the_table_is_dated_and_consistent() -> None:
    assert AS_OF.year >= 2026
    assert all(name == name.lower() and " " not in name for name in DEPRECATION)


def test_amazon_linux_2_runtimes_follow_the_dates_aws_moved_in_2026() -> None:
    """Amazon Linux 2's own end (2026-06-30) is no longer every AL2 runtime's deprecation date."""
    today = datetime.date(2026, 12, 1)
    assert deprecation("python3.10", today, 90) == (datetime.date(2026, 10, 31), -31)  # deprecated
    assert deprecation("provided.al2", today, 90) == (datetime.date(2026, 7, 31), -123)
    for runtime in ("python3.11", "java8.al2", "java11", "java17"):
        assert deprecation(runtime, today, 90) is None, runtime  # 2027-06-30: outside the window
        assert deprecation(runtime, datetime.date(2027, 4, 15), 90) == (datetime.date(2027, 6, 30), 76), runtime
    assert successor("ruby2.7", today) == "ruby4.0"
