"""Lambda managed runtimes and the dates AWS deprecates them, for OPS007.

Source: the "Supported runtimes" and "Deprecated runtimes" tables of
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (the Deprecation date column),
as of 2026-12-01; the dates of already-deprecated runtimes are the ones that page lists. Update the
table and AS_OF together when AWS announces a date; a runtime missing here is never reported.

AWS moved the Amazon Linux 2 runtimes' dates in 2026 (they no longer all end with Amazon Linux 2 on
2026-06-30): python3.10 2026-10-31; python3.11, java8.al2, java11 and java17 2027-06-30; provided.al2
2026-07-31; and the page gives ruby2.7 2023-12-07 and dotnet6 2024-12-20. These were re-checked on
2026-12-01 against cfn-lint's copy of that page (src/cfnlint/data/AdditionalSpecs/
LmbdRuntimeLifecycle.json, updated "from AWS docs" on 2026-06-02), which also lists ruby4.0.
"""

from __future__ import annotations

import datetime
import re
from types import MappingProxyType

SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
AS_OF = datetime.date(2026, 12, 1)

_D = datetime.date
DEPRECATION = MappingProxyType({
    "nodejs24.x": _D(2028, 4, 30), "nodejs22.x": _D(2027, 4, 30), "nodejs20.x": _D(2026, 4, 30),
    "nodejs18.x": _D(2025, 9, 1), "nodejs16.x": _D(2024, 6, 12), "nodejs14.x": _D(2023, 12, 4),
    "nodejs12.x": _D(2023, 3, 31), "nodejs10.x": _D(2021, 7, 30), "nodejs8.10": _D(2020, 3, 6),
    "nodejs6.10": _D(2019, 8, 12), "nodejs4.3": _D(2020, 3, 5), "nodejs4.3-edge": _D(2020, 3, 5),
    "nodejs": _D(2016, 10, 31),
    "python3.14": _D(2029, 6, 30), "python3.13": _D(2029, 6, 30), "python3.12": _D(2028, 10, 31),
    "python3.11": _D(2027, 6, 30), "python3.10": _D(2026, 10, 31), "python3.9": _D(2025, 12, 15),
    "python3.8": _D(2024, 10, 14), "python3.7": _D(2023, 12, 4), "python3.6": _D(2022, 7, 18),
    "python2.7": _D(2021, 7, 15),
    "java25": _D(2029, 6, 30), "java21": _D(2029, 6, 30), "java17": _D(2027, 6, 30), "java11": _D(2027, 6, 30),
    "java8.al2": _D(2027, 6, 30), "java8": _D(2024, 1, 8),
    "dotnet10": _D(2028, 11, 14), "dotnet8": _D(2026, 11, 10), "dotnet7": _D(2024, 5, 14),
    "dotnet6": _D(2024, 12, 20), "dotnet5.0": _D(2022, 5, 10), "dotnetcore3.1": _D(2023, 4, 3),
    "dotnetcore2.1": _D(2022, 1, 5), "dotnetcore2.0": _D(2019, 5, 30), "dotnetcore1.0": _D(2019, 7, 27),
    "ruby4.0": _D(2029, 3, 31), "ruby3.4": _D(2028, 3, 31), "ruby3.3": _D(2027, 3, 31), "ruby3.2": _D(2026, 3, 31),
    "ruby2.7": _D(2023, 12, 7), "ruby2.5": _D(2021, 7, 30),
    "provided.al2023": _D(2029, 6, 30), "provided.al2": _D(2026, 7, 31), "provided": _D(2024, 1, 8),
    "go1.x": _D(2024, 1, 8),
})
# Go's managed runtime was retired for the OS-only runtime, where Go binaries now run.
_FAMILY = re.compile(r"^(nodejs|python|java|dotnet|ruby|provided|go)")


def family(runtime: str) -> str | None:
    match = _FAMILY.match(runtime)
    if not match:
        return None
    name = match.group(1)
    return "provided" if name == "go" else name


def successor(runtime: str, today: datetime.date) -> str | None:
    """The runtime of the same language supported longest, or None when the table has none."""
    wanted = family(runtime)
    candidates = [(date, name) for name, date in DEPRECATION.items() if family(name) == wanted and date > today]
    return max(candidates)[1] if candidates else None
