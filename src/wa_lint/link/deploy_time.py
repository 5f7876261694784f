"""Functions that run at deployment time, not per request: custom resource providers, CodeDeploy hooks.

Their cost is per deployment, so per-request advice (memory tuning, clients at module scope) does not
apply to them. A function that also has an event trigger serves requests too and is never exempt.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from wa_lint.analyse.python.facts_model import REQUEST_TYPE_MARKERS
from wa_lint.link.linker import ref_target
from wa_lint.link.model import Entry, Function, PartLink, Project
from wa_lint.link.nested import normal_path, parent_arguments

if TYPE_CHECKING:
    from wa_lint.analyse.python.facts_model import ModuleFacts
    from wa_lint.load.template.document import Template

CUSTOM_RESOURCE_TYPES = ("AWS::CloudFormation::CustomResource",)
# The CDK provider framework's own function calls the user's handlers named by these variables.
PROVIDER_FRAMEWORK_VARIABLES = ("USER_ON_EVENT_FUNCTION_ARN", "USER_IS_COMPLETE_FUNCTION_ARN")
# Libraries whose only use is answering CloudFormation custom resource requests (`cfn_response` is the
# name copies of cfnresponse are often vendored under).
CUSTOM_RESOURCE_HELPERS = frozenset({"cfnresponse", "crhelper", "cfn_response"})

FunctionKey = tuple[int, str]  # (id of the template, logical ID)


def deploy_time_reason(project: Project, function: Function | None, facts: ModuleFacts | None = None,
                       qualname: str | None = None) -> str | None:
    """Why `function` runs only at deployment time (for messages), or None when it serves requests.

    `facts`, the handler module, lets code say it too: a module that answers CloudFormation through
    cfnresponse or crhelper, or a handler (`qualname`) that dispatches on the request's `RequestType`,
    is a custom resource provider even when no template here names it (its code is deployed from S3,
    or the template is generated)."""
    if function is not None and function.triggers:
        return None
    if function is not None:
        reason = _deploy_time_functions(project).get((id(function.template), function.logical_id))
        if reason:
            return reason
    if facts is not None and uses_custom_resource_helper(facts):
        return "it answers CloudFormation custom resource requests (cfnresponse/crhelper)"
    if facts is not None and qualname is not None and dispatches_on_request_type(facts, qualname):
        return "it answers CloudFormation custom resource requests (it dispatches on their RequestType)"
    return None


def entry_deploy_time(project: Project, entry: Entry) -> str | None:
    """As deploy_time_reason for the entry's function, its handler's module and the handler itself."""
    return deploy_time_reason(project, entry.function, entry.facts, entry.qualname)


def function_deploy_time(project: Project, function: Function) -> str | None:
    """As deploy_time_reason, also asking the code of the function's handler when it was analysed."""
    entry = project.entry_of(function)
    return entry_deploy_time(project, entry) if entry else deploy_time_reason(project, function)


def dispatches_on_request_type(facts: ModuleFacts, qualname: str) -> bool:
    """The handler itself reads `RequestType` and its module names a request type it compares it with
    (`Create`, `Update`, `Delete`, in any of the usual cases): what a custom resource provider (or a CDK
    provider framework's on-event handler, which returns instead of calling the response URL) does. No
    other event Lambda receives has a `RequestType` key."""
    if "RequestType" not in facts.mentions.get(qualname, ()):
        return False
    return any(REQUEST_TYPE_MARKERS.intersection(found) for found in facts.mentions.values())


def uses_custom_resource_helper(facts: ModuleFacts) -> bool:
    """The module imports cfnresponse or crhelper: the packages, or a copy vendored into the code
    (`from lib.cfn_response import send_response`, `from app.utils.crhelper import cfn_handler`)."""
    for item in facts.imports:
        if CUSTOM_RESOURCE_HELPERS.intersection(item.module.split(".")):
            return True
        if any(CUSTOM_RESOURCE_HELPERS.intersection(name.split(".")) for name, _ in item.names):
            return True
    return False


def _deploy_time_functions(project: Project) -> dict[FunctionKey, str]:
    found = project.lookups.get("custom-resource-functions")
    if isinstance(found, dict):
        return found
    result: dict[FunctionKey, str] = {}
    project.lookups["custom-resource-functions"] = result
    functions = {(id(f.template), f.logical_id): f for f in project.functions}
    exports = _exports(project.templates)
    parents = parent_arguments(project)

    def mark(template: Template, target: str | None, reason: str) -> None:
        if target and (id(template), target) in functions:
            result.setdefault((id(template), target), reason)

    for template in project.templates:
        for logical_id, resource in _resources(template):
            resource_type = resource.get("Type")
            properties = resource.get("Properties")
            if not isinstance(resource_type, str) or not isinstance(properties, dict):
                continue
            if resource_type.startswith("Custom::") or resource_type in CUSTOM_RESOURCE_TYPES:
                reason = f"it backs the custom resource {logical_id}, so it runs once per deployment"
                token = properties.get("ServiceToken")
                target = ref_target(token)
                if target and target in template.parameters:
                    for parent, parent_target in parents.get((normal_path(template.path), target), ()):
                        mark(parent, parent_target, reason)
                elif target:
                    mark(template, target, reason)
                elif (imported := _imported_export(token)) is not None:
                    for exporter, exported in exports.get(imported, ()):
                        mark(exporter, exported, reason)
            hooks = _hooks(properties)
            for hook in hooks:
                mark(template, ref_target(hook), f"it is a CodeDeploy hook of {logical_id}, so it runs once per deployment")
            environment = properties.get("Environment")
            variables = environment.get("Variables") if isinstance(environment, dict) else None
            if isinstance(variables, dict):
                for name in PROVIDER_FRAMEWORK_VARIABLES:
                    mark(template, ref_target(variables.get(name)),
                         f"the custom resource provider {logical_id} calls it, so it runs once per deployment")
    return result


def part_links(project: Project) -> Iterator[PartLink]:
    """What relates the project's parts here (run_parts.py): a custom resource's ServiceToken that
    imports another template's export. (file, key, whether the file holds the export.)"""
    for name, exported in _exports(project.templates).items():
        for template, _target in exported:
            yield template.path, f"export:{name}", True
    for template in project.templates:
        for _logical_id, resource in _resources(template):
            resource_type, properties = resource.get("Type"), resource.get("Properties")
            if not isinstance(resource_type, str) or not isinstance(properties, dict):
                continue
            imported = _imported_export(properties.get("ServiceToken"))
            if imported is not None:
                yield template.path, f"export:{imported}", False


def _imported_export(token: Any) -> str | None:
    """The export a ServiceToken's literal `Fn::ImportValue` names."""
    imported = token.get("Fn::ImportValue") if isinstance(token, dict) else None
    return imported if isinstance(imported, str) else None


def _resources(template: Template) -> list[tuple[str, dict[str, Any]]]:
    return [(str(k), v) for k, v in template.resources.items() if isinstance(v, dict)]


def _hooks(properties: dict[str, Any]) -> list[Any]:
    preference = properties.get("DeploymentPreference")
    hooks = preference.get("Hooks") if isinstance(preference, dict) else None
    return list(hooks.values()) if isinstance(hooks, dict) else []


def _exports(templates: list[Template]) -> dict[str, list[tuple[Template, str]]]:
    """Export names written literally → (template, logical ID) the exported value references."""
    found: dict[str, list[tuple[Template, str]]] = {}
    for template in templates:
        outputs = template.data.get("Outputs")
        if not isinstance(outputs, dict):
            continue
        for output in outputs.values():
            if not isinstance(output, dict) or not isinstance(output.get("Export"), dict):
                continue
            name = output["Export"].get("Name")
            target = ref_target(output.get("Value"))
            if isinstance(name, str) and target:
                found.setdefault(name, []).append((template, target))
    return found
