"""The template half of the project model: functions, tables and other resources with their settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from wa_lint.files import is_dir, path_problem
from wa_lint.link.model import Code, EnvVar, Function, Handler, Resource, Setting, Table, Trigger
from wa_lint.link.sam_globals import inherited_keys, merged_properties
from wa_lint.load.frameworks.cdk import asset_path, is_cdk_helper
from wa_lint.load.template.document import Template
from wa_lint.load.template.nodes import DictNode, Pos, pos_of
from wa_lint.report.findings import Span

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable")
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
ALB_PRINCIPAL = "elasticloadbalancing.amazonaws.com"
_SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def span(template: Template, pos: Pos) -> Span:
    return Span(template.path, pos.line, pos.column, pos.end_line, pos.end_column)


def ref_target(value: Any) -> str | None:
    """The logical ID or parameter a `!Ref`, `!GetAtt` or single-reference `!Sub` names."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (key, inner), = value.items()
    if key == "Ref" and isinstance(inner, str):
        return inner
    if key == "Fn::GetAtt":
        if isinstance(inner, list) and inner and isinstance(inner[0], str):
            return inner[0]
        if isinstance(inner, str):
            return inner.split(".", 1)[0]
    if key == "Fn::Sub":
        text = inner[0] if isinstance(inner, list) and inner else inner
        if isinstance(text, str):
            names: set[str] = set(_SUB_REF.findall(text))
            if len(names) == 1:
                return names.pop()
    return None


def resolve(template: Template, value: Any) -> tuple[Any, str | None]:
    """`!Ref Param` becomes the parameter's Default (when it has one); returns (value, parameter name)."""
    target = ref_target(value)
    if target and isinstance(value, dict) and "Ref" in value and target in template.parameters:
        parameter = template.parameters[target]
        default = parameter.get("Default") if isinstance(parameter, dict) else None
        return default, target
    return value, None


def literal_int(value: Any) -> int | None:
    """A whole number written as a number or a numeric string (`512`, `"512"`); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    # No AWS capacity setting has more than a handful of digits; a longer string is not a number we use.
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value)
    return None


def setting(template: Template, properties: DictNode, key: str, logical_id: str = "",
            where: Span | None = None) -> Setting | None:
    if key not in properties:
        if key in template.defaults and where is not None:
            # A framework's default (Serverless: 1024 MB, 6 s) applies: a value, but one nobody chose.
            return Setting(template.defaults[key], "framework-default", where)
        return None
    value, parameter = resolve(template, properties[key])
    source = "globals" if key in inherited_keys(properties) else "resource"
    source = template.origins.get((logical_id, key), source)
    return Setting(value, source, span(template, properties.key_pos(key)), parameter)


def _text(template: Template, value: Any) -> str | None:
    resolved, _ = resolve(template, value)
    return resolved if isinstance(resolved, str) else None


def _code(template: Template, resource_type: str, properties: DictNode, metadata: Any) -> Code:
    base = template.path.parent
    if resource_type == "AWS::Serverless::Function":
        if _text(template, properties.get("PackageType")) == "Image" or "ImageUri" in properties:
            return Code("image")
        if "InlineCode" in properties:
            return _inline(template, properties, "InlineCode")
        if "CodeUri" not in properties:
            # SAM builds a function without CodeUri from the template's own folder.
            return Code("local", root=base)
        uri = properties["CodeUri"]
        location = _text(template, uri)
        code_span = span(template, properties.key_pos("CodeUri"))
        if location is None:
            return Code("s3" if isinstance(uri, dict) and "Bucket" in uri else "unknown", span=code_span)
        if location.startswith("s3://"):
            return Code("s3", span=code_span)
        return _local(base / location, code_span)
    code = properties.get("Code")
    if _text(template, properties.get("PackageType")) == "Image":
        return Code("image")
    asset = asset_path(metadata)
    if asset is not None:
        # `cdk synth` stages the handler's folder in cdk.out (next to the template) as asset.<hash>.
        return _local(base / asset, span(template, properties.key_pos("Code")))
    if isinstance(metadata, dict) and isinstance(metadata.get("aws:asset:path"), str):
        return Code("asset")
    if isinstance(code, str):
        return _local(base / code, span(template, properties.key_pos("Code")))
    if isinstance(code, DictNode):
        if "ZipFile" in code:
            return _inline(template, code, "ZipFile")
        if "ImageUri" in code:
            return Code("image")
        if "S3Bucket" in code:
            return Code("s3")
    return Code("unknown")


def _local(root: Path, code_span: Span) -> Code:
    # A template may name any string; one the file system cannot hold is reported, never stat'ed.
    problem = path_problem(root)
    if problem:
        return Code("unusable", span=code_span, problem=problem)
    return Code("local", root=root, span=code_span)


def _inline(template: Template, holder: DictNode, key: str) -> Code:
    value = holder[key]
    code_span = span(template, holder.key_pos(key))
    if not isinstance(value, str):
        return Code("unknown", span=code_span)
    pos = pos_of(value, holder.key_pos(key))
    line, column = code_span.line, 0
    # A block literal (`|`) keeps lines intact: source line 1 is the line after the indicator.
    source_lines = template.source_lines
    indicator_line = source_lines[pos.line - 1] if 0 < pos.line <= len(source_lines) else ""
    if indicator_line[pos.column - 1 : pos.column] == "|" and pos.line < len(source_lines):
        line = pos.line + 1
        body = source_lines[line - 1]
        column = len(body) - len(body.lstrip(" "))
    return Code("inline", inline=str(value), inline_line=line, inline_column=column, span=code_span)


def _environment(template: Template, properties: DictNode) -> dict[str, EnvVar]:
    environment = properties.get("Environment")
    variables = environment.get("Variables") if isinstance(environment, dict) else None
    if not isinstance(variables, DictNode):
        return {}
    result = {}
    for name, raw in variables.items():
        value, parameter = resolve(template, raw)
        target = ref_target(raw)
        if target not in template.resources:
            target = None
        result[str(name)] = EnvVar(str(name), value, target, span(template, variables.key_pos(name)), parameter)
    return result


def _sam_triggers(template: Template, properties: DictNode) -> list[Trigger]:
    triggers = []
    events = properties.get("Events")
    if isinstance(events, DictNode):
        for name, event in events.items():
            if not isinstance(event, dict) or not isinstance(event.get("Type"), str):
                continue
            event_properties = event.get("Properties")
            target = None
            if isinstance(event_properties, dict):
                for key in ("Queue", "Stream", "Table", "Bucket", "Topic", "EventBusName"):
                    target = target or ref_target(event_properties.get(key))
            triggers.append(Trigger(str(name), event["Type"], span(template, events.key_pos(name)), target))
    if isinstance(properties.get("FunctionUrlConfig"), dict):
        url_span = span(template, properties.key_pos("FunctionUrlConfig"))
        triggers.append(Trigger("FunctionUrlConfig", "FunctionUrl", url_span))
    return triggers


def _standalone_triggers(template: Template) -> dict[str, list[Trigger]]:
    """Triggers declared as separate resources that point at a function (plain CloudFormation)."""
    found: dict[str, list[Trigger]] = {}
    for logical_id, resource in template.resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Properties"), dict):
            continue
        properties = resource["Properties"]
        resource_type = resource.get("Type")
        if resource_type == "AWS::Lambda::Url":
            function, kind, source = ref_target(properties.get("TargetFunctionArn")), "FunctionUrl", None
        elif resource_type == "AWS::Lambda::EventSourceMapping":
            function, source = ref_target(properties.get("FunctionName")), ref_target(properties.get("EventSourceArn"))
            kind = "EventSourceMapping"
        elif resource_type == "AWS::Lambda::Permission" and properties.get("Principal") == "apigateway.amazonaws.com":
            function, kind, source = ref_target(properties.get("FunctionName")), "Api", None
        elif resource_type == "AWS::Lambda::Permission" and properties.get("Principal") == ALB_PRINCIPAL:
            function, kind, source = ref_target(properties.get("FunctionName")), "ALB", None
        elif resource_type == "AWS::ElasticLoadBalancingV2::TargetGroup" and properties.get("TargetType") == "lambda":
            where = span(template, template.resources.key_pos(logical_id))
            for target in properties.get("Targets") or []:
                name = ref_target(target.get("Id")) if isinstance(target, dict) else None
                if name:
                    found.setdefault(name, []).append(Trigger(str(logical_id), "ALB", where))
            continue
        elif resource_type == "AWS::AppSync::DataSource" and isinstance(properties.get("LambdaConfig"), dict):
            function, kind, source = ref_target(properties["LambdaConfig"].get("LambdaFunctionArn")), "AppSync", None
        elif resource_type == "AWS::ApiGatewayV2::Integration":
            # HTTP and WebSocket API routes: `!Sub arn:...:function:${Fn.Arn}/invocations`.
            function, kind, source = ref_target(properties.get("IntegrationUri")), "ApiIntegration", None
        else:
            continue
        if function:
            where = span(template, template.resources.key_pos(logical_id))
            found.setdefault(function, []).append(Trigger(str(logical_id), kind, where, source))
    return found


def _layers(template: Template, properties: DictNode) -> list[str]:
    layers = properties.get("Layers")
    if not isinstance(layers, list):
        return []
    names = [ref_target(layer) for layer in layers]
    return [name for name in names if name and name in template.resources]


def layer_root(template: Template, layer_id: str) -> Path | None:
    resource = template.resources.get(layer_id)
    if not isinstance(resource, dict) or not isinstance(resource.get("Properties"), dict):
        return None
    properties = resource["Properties"]
    location = _text(template, properties.get("ContentUri", properties.get("Content")))
    if not location or location.startswith("s3://"):
        return None
    root = template.path.parent / location
    if path_problem(root / "python"):
        return None
    # Lambda puts a Python layer's `python/` folder on sys.path.
    return root / "python" if is_dir(root / "python") else root


def link_template(template: Template) -> tuple[list[Function], list[Table], list[Resource]]:
    functions: list[Function] = []
    tables: list[Table] = []
    others: list[Resource] = []
    standalone = _standalone_triggers(template)
    globals_section = template.data.get("Globals")
    for logical_id, resource in template.resources.items():
        if not isinstance(resource, dict):
            continue
        resource_type = resource.get("Type")
        if not isinstance(resource_type, str):
            continue
        where = span(template, template.resources.key_pos(logical_id))
        properties = merged_properties(globals_section, resource_type, resource.get("Properties"))
        logical_id = str(logical_id)
        if resource_type in FUNCTION_TYPES and is_cdk_helper(logical_id, resource.get("Metadata")):
            others.append(Resource(template, logical_id, resource_type, where, properties))
        elif resource_type in FUNCTION_TYPES:
            runtime = _text(template, properties.get("Runtime"))
            handler_text = _text(template, properties.get("Handler"))
            function = Function(
                template=template,
                logical_id=logical_id,
                type=resource_type,
                span=where,
                properties=properties,
                runtime=runtime,
                handler=Handler(handler_text) if handler_text else None,
                code=_code(template, resource_type, properties, resource.get("Metadata")),
                memory=setting(template, properties, "MemorySize", logical_id, where),
                timeout=setting(template, properties, "Timeout", logical_id, where),
                environment=_environment(template, properties),
                triggers=_sam_triggers(template, properties) + standalone.get(logical_id, []),
                layers=_layers(template, properties),
                policies=properties.get("Policies"),
            )
            functions.append(function)
        elif resource_type in TABLE_TYPES:
            tables.append(
                Table(
                    template=template,
                    logical_id=logical_id,
                    type=resource_type,
                    span=where,
                    properties=properties,
                    table_name=_text(template, properties.get("TableName")),
                    billing_mode=_text(template, properties.get("BillingMode")),
                )
            )
        else:
            others.append(Resource(template, logical_id, resource_type, where, properties))
    return functions, tables, others
