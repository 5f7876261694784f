"""COST101 uncached-parameter-fetch: SSM parameters, secrets or AppConfig data fetched on every invocation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.arguments import arguments_of, literal
from wa_lint.analyse.python.construction import receiver
from wa_lint.check.code._invocation import Site, SiteKey, invocation_calls, method, service
from wa_lint.check.contract import subject
from wa_lint.check.index import Index
from wa_lint.link.model import Entry, Project
from wa_lint.report.findings import Violation

CODE = "COST101"
# boto3 fetches by service: each is one paid API call (and a throttling risk) per invocation.
_FETCHES = {
    "ssm": {"get_parameter": "an SSM parameter", "get_parameters": "SSM parameters",
            "get_parameters_by_path": "SSM parameters"},
    "secretsmanager": {"get_secret_value": "a secret", "batch_get_secret_value": "secrets"},
    "appconfigdata": {"get_latest_configuration": "AppConfig data"},
    "appconfig": {"get_configuration": "AppConfig data"},
}
# Method names no other boto3 service has: enough when the client is made elsewhere.
_UNIQUE = {"get_parameters_by_path": "SSM parameters", "get_secret_value": "a secret",
           "get_latest_configuration": "AppConfig data"}
_POWERTOOLS = "aws_lambda_powertools.utilities.parameters"
_POWERTOOLS_FETCHES = {"get_parameter", "get_parameters", "get_parameters_by_name", "get_secret",
                       "get_secrets_by_name", "get_app_config", "get", "get_multiple"}
# Secrets Manager calls only a rotation function makes.
_ROTATION = frozenset({"update_secret_version_stage", "put_secret_value"})
# Every method name a verdict can name: a call by any other name is no fetch, whatever its receiver.
_FETCH_METHODS = frozenset({name for names in _FETCHES.values() for name in names} | _UNIQUE.keys()
                           | _POWERTOOLS_FETCHES)
_FIX = ("fetch it through Powertools `parameters` (cached per environment; set `max_age` for how long) or the "
        "AWS Parameters and Secrets Lambda extension, or keep it in a module-level dict with a TTL")


def _sdk_fetch(site: Site) -> str | None:
    name = method(site.call)
    client = service(site)
    if client is not None:
        return _FETCHES.get(client, {}).get(name)
    qualified = site.call.qualified or ""
    if qualified.startswith(("boto3.", "aioboto3.")) or receiver(site.facts, site.call) is None:
        return _UNIQUE.get(name) if "." in site.call.callee else None
    return None


def _powertools_bypass(site: Site) -> str | None:
    """Powertools caches by default; `max_age=0` or `force_fetch=True` on every call turns that off."""
    call = site.call
    qualified = call.qualified or ""
    made = receiver(site.facts, call)
    from_powertools = qualified.startswith(_POWERTOOLS) or (made is not None and made.callee.startswith(_POWERTOOLS))
    if not from_powertools or method(call) not in _POWERTOOLS_FETCHES:
        return None
    arguments = arguments_of(site.facts, site.qualname, call)
    if literal(arguments, "force_fetch") == "True":
        return "force_fetch=True"
    if literal(arguments, "max_age") == "0":
        return "max_age=0"
    return None


def _verdict(site: Site) -> tuple[str, str] | None:
    """("sdk", what is fetched) or ("powertools", the argument that turns its cache off); None when the
    call is no uncached fetch. A property of the call site alone, whichever entry reaches it."""
    if method(site.call) not in _FETCH_METHODS:
        return None
    what = _sdk_fetch(site)
    if what is not None:
        # A fetch that feeds a module-level memo (a TTL dict, a global) is cached.
        return None if site.writes_module_state else ("sdk", what)
    bypass = _powertools_bypass(site)
    return None if bypass is None else ("powertools", bypass)


@subject("entry")
def check(entry: Entry, project: Project, options: dict[str, Any], *, index: Index) -> Iterator[Violation]:
    sites = list(invocation_calls(project, entry, methods=_FETCH_METHODS | _ROTATION))
    if any(method(site.call) in _ROTATION for site in sites):
        return  # a secret rotation function must read the current versions, uncached
    # Helpers shared by many entries (a common module) are reached by each: each call judged once, in
    # the function body it was reached in (the check stage reports a site once, for the first entry).
    verdicts: dict[tuple[SiteKey, str, int], tuple[str, str] | None] = index.memo(f"{CODE}.verdicts", dict)
    for site in sites:
        judged = (site.key, site.qualname, id(site.body))
        if judged not in verdicts:
            verdicts[judged] = _verdict(site)
        verdict = verdicts[judged]
        if verdict is None:
            continue
        call = site.call
        kind, what = verdict
        if kind == "sdk":
            problem = f"`{call.callee}` fetches {what} on every invocation{site.route(call.callee)} and nothing caches it"
        else:
            problem = (f"`{call.callee}(..., {what})` fetches on every invocation{site.route(call.callee)}, "
                       f"turning off Powertools' cache")
        yield Violation(CODE, site.span,
                        {"problem": problem, "fix": _FIX},
                        resource=entry.function.logical_id if entry.function else None, function=entry.label)
