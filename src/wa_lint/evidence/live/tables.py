"""DynamoDB `DescribeTable` and DAX `DescribeClusters`."""

from __future__ import annotations

from wa_lint.evidence.live.aws import Account
from wa_lint.evidence.live.measurements import DaxCluster, DeployedTable


def deployed_table(account: Account, name: str) -> DeployedTable:
    table = account.call("dynamodb", "describe_table", TableName=name).get("Table", {})
    # A table created provisioned and never switched has no BillingModeSummary.
    billing = (table.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    throughput = table.get("ProvisionedThroughput") or {}
    provisioned = billing == "PROVISIONED"
    return DeployedTable(
        name=table.get("TableName", name),
        billing_mode=billing,
        read_capacity=throughput.get("ReadCapacityUnits") if provisioned else None,
        write_capacity=throughput.get("WriteCapacityUnits") if provisioned else None,
    )


def dax_clusters(account: Account, names: list[str]) -> dict[str, DaxCluster]:
    found: dict[str, DaxCluster] = {}
    # DescribeClusters takes at most 100 names at a time.
    for offset in range(0, len(names), 100):
        response = account.call("dax", "describe_clusters", ClusterNames=names[offset:offset + 100])
        for cluster in response.get("Clusters", []):
            name = cluster.get("ClusterName")
            if name:
                found[name] = DaxCluster(name, cluster.get("Status"), cluster.get("TotalNodes"))
    return found
