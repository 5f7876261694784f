"""SEC004 dax-cluster-unencrypted: a DAX cluster without encryption at rest (`SSESpecification.SSEEnabled`)
or without encryption in transit (`ClusterEndpointEncryptionType: TLS`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import NO_VALUE, branches, lookup, resources_in, truthy
from wa_lint.link.model import Project
from wa_lint.load.template.document import Template
from wa_lint.report.findings import Violation

CODE = "SEC004"


def _unless(template: Template, value: Any, good: Any) -> tuple[bool, str | None]:
    """(some deploy-time value is not good, its !If note); an absent value is not good."""
    if value is None:
        return True, None
    for branch in branches(template, value):
        if branch.value is NO_VALUE or not good(branch.value):
            return True, branch.note
    return False, None


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for template in project.templates:
        for cluster in resources_in(project, template, "AWS::DAX::Cluster"):
            props = cluster.properties
            sse = lookup(props, "SSESpecification", "SSEEnabled")
            at_rest, rest_note = _unless(template, sse, truthy)
            endpoint = props.get("ClusterEndpointEncryptionType")
            in_transit, transit_note = _unless(template, endpoint, lambda v: isinstance(v, str) and v.upper() == "TLS")
            if not (at_rest or in_transit):
                continue
            name = cluster.logical_id
            gaps, fixes = [], []
            if at_rest:
                gaps.append(f"its cache and logs are not encrypted at rest (SSESpecification.SSEEnabled is not true"
                            f"{' ' + rest_note if rest_note else ''})")
                fixes.append("SSESpecification: {SSEEnabled: true}")
            if in_transit:
                gaps.append("clients talk to it in plaintext (ClusterEndpointEncryptionType is "
                            f"{'NONE, the default' if endpoint is None else 'not TLS'}"
                            f"{' ' + transit_note if transit_note else ''})")
                fixes.append("ClusterEndpointEncryptionType: TLS")
            problem = (f"DAX cluster {name} caches DynamoDB items, but " + " and ".join(gaps) +
                       ": anyone with access to the disks or the network path reads the table's data")
            fix = (f"set {' and '.join(fixes)} on {name}; both can only be chosen when the cluster is created, so "
                   "CloudFormation replaces it (a cold cache), and clients must connect with the daxs:// TLS endpoint")
            yield Violation(CODE, cluster.span, {"problem": problem, "fix": fix}, resource=name)
