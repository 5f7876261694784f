"""REL009 dax-cluster-single-node: a DAX cluster with fewer than three nodes, which cannot survive a node
failure or the loss of an Availability Zone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wa_lint.check.contract import subject
from wa_lint.check.template._values import branches, key_span, resources_in
from wa_lint.link.linker import literal_int
from wa_lint.link.model import Project
from wa_lint.report.findings import Violation

CODE = "REL009"
_MINIMUM = 3  # AWS's production recommendation: three nodes, one per Availability Zone


@subject("project")
def check(project: Project, _: Project, options: dict[str, Any]) -> Iterator[Violation]:
    for template in project.templates:
        for cluster in resources_in(project, template, "AWS::DAX::Cluster"):
            props = cluster.properties
            for branch in branches(template, props.get("ReplicationFactor")):
                nodes = literal_int(branch.value)
                if nodes is None or nodes >= _MINIMUM:
                    continue
                name = cluster.logical_id
                when = f" {branch.note}" if branch.note else ""
                shape = "a single node" if nodes == 1 else f"{nodes} nodes"
                problem = (f"DAX cluster {name} has ReplicationFactor {nodes}{when}: with {shape} it "
                           f"{'has no replica to fail over to' if nodes == 1 else 'cannot keep a quorum of replicas across three Availability Zones'}, "
                           "so a node failure or an AZ outage takes the cache away and every read falls through to "
                           "DynamoDB at once")
                fix = (f"set ReplicationFactor: {_MINIMUM} on {name} (one node per Availability Zone; list three "
                       "AZs in AvailabilityZones or use a subnet group spanning three)")
                where = key_span(template, props, "ReplicationFactor", cluster.span)
                yield Violation(CODE, where, {"problem": problem, "fix": fix}, resource=name)
                break
