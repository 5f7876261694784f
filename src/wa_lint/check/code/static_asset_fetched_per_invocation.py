"""PERF103 static-asset-fetched-per-invocation: the same S3 object or URL downloaded on every invocation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from wa_lint.analyse.python.arguments import arguments_of, literal
from wa_lint.check.code._invocation import Site, SiteKey, entries, invocation_calls, method, service
from wa_lint.check.contract import subject
from wa_lint.link.model import Project
from wa_lint.report.findings import Violation

CODE = "PERF103"
# S3 client downloads: (method, the arguments that name the object, each as (keyword, position)).
_S3_DOWNLOADS = {
    "get_object": (("Bucket", "-"), ("Key", "-")),
    "download_file": (("Bucket", "0"), ("Key", "1")),
    "download_fileobj": (("Bucket", "0"), ("Key", "1")),
}
_HTTP_GETS = frozenset({"requests.get", "httpx.get", "urllib.request.urlopen", "urllib3.request"})
_STATIC_FILE = re.compile(r"\.(json|csv|txt|ya?ml|xml|pem|crt|bin|onnx|pkl|pt|h5|model|zip|gz|tar|parquet)$", re.IGNORECASE)
_LOCAL = re.compile(r"^https?://(localhost|127\.0\.0\.1)[:/]", re.IGNORECASE)
# A file cached in /tmp is looked for before it is downloaded again.
_PRESENCE_CHECKS = frozenset({"exists", "isfile", "is_file"})


def _what(site: Site) -> str | None:
    call = site.call
    constants = arguments_of(site.facts, site.qualname, call).constants
    if service(site) == "s3" and method(call) in _S3_DOWNLOADS:
        names = _S3_DOWNLOADS[method(call)]
        if all(keyword in constants or position in constants for keyword, position in names):
            return "the same S3 object (bucket and key fixed for the environment)"
        return None
    qualified = call.qualified or ""
    if qualified in _HTTP_GETS:
        # A constant URL is usually an API (another service, the secrets extension on localhost), whose
        # answer changes: only a literal URL naming a file is a static asset.
        arguments = arguments_of(site.facts, site.qualname, call)
        url = literal(arguments, "1" if qualified == "urllib3.request" else "0") or literal(arguments, "url") or ""
        address = url.strip("'\"").split("?", 1)[0]
        if _STATIC_FILE.search(address) and not _LOCAL.match(address):
            return f"the file at {address}"
    return None


def _cached(site: Site) -> bool:
    if site.writes_module_state:
        return True  # kept in a module-level variable or dict
    return any(method(other) in _PRESENCE_CHECKS for other in site.body.calls)


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    reported: set[SiteKey] = set()
    for entry in entries(project):
        for site in invocation_calls(project, entry):
            if site.key in reported:
                continue
            what = _what(site)
            if what is None or _cached(site):
                continue
            reported.add(site.key)
            call = site.call
            yield Violation(CODE, site.span,
                            {"call": call.callee, "what": what, "path": site.route(call.callee)},
                            resource=entry.function.logical_id if entry.function else None, function=entry.label)
