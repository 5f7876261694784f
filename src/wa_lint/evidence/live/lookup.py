"""What live mode measured for one template function or table: the checks' view of `project.live`.

No boto3 here: checks import this module whether or not `--aws` was given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# Types only: the measurements' classes are built when live mode runs, not on every checked run.
if TYPE_CHECKING:
    from wa_lint.evidence.live.measurements import (
        DeployedFunction,
        DeployedTable,
        FunctionMetrics,
        StackResource,
    )
    from wa_lint.link.model import Function, Project, Table


def stack_resource(project: Project, item: Function | Table) -> StackResource | None:
    live = project.live
    return live.deployed.get((item.template.path, item.logical_id)) if live else None


def deployed_function(project: Project, function: Function) -> DeployedFunction | None:
    resource = stack_resource(project, function)
    return project.live.functions.get(resource.physical_id) if resource and project.live else None


def function_metrics(project: Project, function: Function) -> FunctionMetrics | None:
    resource = stack_resource(project, function)
    return project.live.function_metrics.get(resource.physical_id) if resource and project.live else None


def deployed_table(project: Project, table: Table) -> DeployedTable | None:
    resource = stack_resource(project, table)
    return project.live.tables.get(resource.physical_id) if resource and project.live else None


def window(project: Project) -> str:
    return f"{project.live.window_days} days" if project.live else ""
