"""A Serverless Framework `serverless.yml` read as a SAM-shaped template the linker already understands.

Every value keeps its position in serverless.yml, so findings point at the YAML line the user wrote. The
framework's own defaults (1024 MB of memory, a 6-second timeout) are recorded on the template, not written
into it: a value nobody chose is reported as such. Variables are resolved where the answer is in the project
(`${self:}`, `${file(...)}` inside it, `${opt:}`/`${sls:}` with their defaults, any fallback literal);
`${ssm:}`, `${cf:}`, `${env:}` without a fallback and the rest are deploy-time values: left as written,
never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wa_lint import inputs
from wa_lint.load.frameworks import SERVERLESS_FILE_NAMES as FILE_NAMES
from wa_lint.load.template.document import SAM_TRANSFORM, NotATemplate, Template
from wa_lint.load.template.errors import TemplateError
from wa_lint.load.template.json_loader import load_json
from wa_lint.load.template.nodes import BARE_SCALARS, DictNode, ListNode, Pos, StrNode, pos_of
from wa_lint.load.template.yaml_loader import load_yaml

DEFAULTS = {"MemorySize": 1024, "Timeout": 6}
# The innermost `${...}`: nested variables (`${self:custom.${opt:stage}}`) resolve from the inside out.
_VARIABLE = re.compile(r"\$\{([^${}]*)\}")
_WHOLE = re.compile(r"^\$\{[^${}]*\}$")
_MAX_DEPTH = 10
_MAX_TEXT = 10_000
_BUDGET = 20_000  # variables resolved per file; real files use a few dozen
# serverless.yml event name -> the SAM event type whose rules apply, and the SAM property each source goes in.
_EVENTS = {
    "http": ("Api", None), "httpApi": ("HttpApi", None), "sqs": ("SQS", "Queue"), "s3": ("S3", "Bucket"),
    "sns": ("SNS", "Topic"), "schedule": ("Schedule", "Schedule"), "eventBridge": ("EventBridgeRule", None),
    "alb": ("ALB", None), "websocket": ("WebSocket", None), "stream": ("Kinesis", "Stream"),
    "cloudwatchLog": ("CloudWatchLogs", None), "iot": ("IoTRule", None), "cognitoUserPool": ("Cognito", None),
    "kafka": ("MSK", None), "msk": ("MSK", None), "activemq": ("MQ", None), "rabbitmq": ("MQ", None),
}
_UNRESOLVED = object()
_PLUGIN_MODULES = frozenset({"wsgi_handler", "serverless_wsgi", "serverless_sdk", "s_"})


def is_serverless_file(path: Path) -> bool:
    return path.name in FILE_NAMES


class _Variables:
    """Resolves `${...}` in one serverless.yml; `read` returns a project file's text, or None."""

    def __init__(self, document: DictNode, folder: Path, read: Callable[[Path], str | None]) -> None:
        self.document = document
        self.folder = folder
        self.read = read
        self.files: dict[Path, Any] = {}
        self.unresolved: list[tuple[str, Pos]] = []
        # Each `${self:...}` address resolved once, and a budget for the whole file: references that
        # fan out (a section naming another section several times, and so on) must not grow without bound.
        self.addresses: dict[str, Any] = {}
        self.budget = _BUDGET

    def value(self, value: Any, depth: int = 0) -> Any:
        """`value` with every variable resolved that can be; containers are rebuilt, positions kept."""
        if depth > _MAX_DEPTH:
            return value
        if isinstance(value, str) and "${" in value:
            return self._string(value, pos_of(value, Pos(1, 1, 1, 1, 0, 0)), depth)
        if isinstance(value, dict):
            result = DictNode(pos=pos_of(value, Pos(1, 1, 1, 1, 0, 0)))
            spans: dict[str, Pos] = {}
            for key, item in value.items():
                resolved = self.value(item, depth + 1)
                result[key] = resolved
                if isinstance(value, DictNode):
                    result.key_spans[key] = value.key_pos(key)
                    if type(resolved) in BARE_SCALARS:
                        spans[key] = value.value_pos(key)
            result.value_spans = spans
            return result
        if isinstance(value, list):
            items = ListNode([self.value(item, depth + 1) for item in value], pos=pos_of(value, Pos(1, 1, 1, 1, 0, 0)))
            if isinstance(value, ListNode):
                items.value_spans = {i: value.item_pos(i) for i, item in enumerate(items) if type(item) in BARE_SCALARS}
            return items
        return value

    def _string(self, text: str, pos: Pos, depth: int) -> Any:
        current = str(text)
        for _ in range(_MAX_DEPTH):
            match = _VARIABLE.search(current)
            if match is None:
                break
            self.budget -= 1
            resolved = self._expression(match.group(1), depth) if self.budget > 0 else _UNRESOLVED
            if resolved is _UNRESOLVED:
                self.unresolved.append((match.group(0), pos))
                return text  # a deploy-time value: kept as written, so rules treat it as unknown
            if _WHOLE.match(current) and not isinstance(resolved, str):
                return _relocated(resolved, pos)
            current = current[: match.start()] + str(resolved) + current[match.end():]
            if len(current) > _MAX_TEXT:  # strings that double at every reference: not a real setting
                self.unresolved.append((match.group(0), pos))
                return text
        return StrNode(current, pos)

    def _expression(self, expression: str, depth: int) -> Any:
        # `${ssm:/x, 'fallback'}`: the first source that answers; a quoted or numeric literal always does.
        for part in _split_fallbacks(expression):
            part = part.strip()
            literal = _literal(part)
            if literal is not _UNRESOLVED:
                return literal
            value = self._source(part, depth)
            if value is not _UNRESOLVED:
                return value
        return _UNRESOLVED

    def _source(self, part: str, depth: int) -> Any:
        kind, _, address = part.partition(":")
        kind = kind.strip()
        if kind == "self":
            return self._self(address.strip(), depth)
        if kind in ("opt", "sls") and address.strip() == "stage":
            # The framework's default stage when none is passed on the command line.
            return self._provider("stage", "dev", depth)
        if kind == "opt" and address.strip() == "region":
            return self._provider("region", "us-east-1", depth)
        if kind.startswith("file(") and kind.endswith(")"):
            data = self._file(kind[5:-1].strip().strip("'\""))
            if data is _UNRESOLVED:
                return _UNRESOLVED
            found = _lookup(data, address.strip()) if address.strip() else data
            return _UNRESOLVED if found is _UNRESOLVED else self.value(found, depth + 1)
        return _UNRESOLVED  # ssm, cf, s3, env, aws, a plugin's resolver: known only at deploy time

    def _provider(self, name: str, default: str, depth: int) -> Any:
        """`provider.stage` or `provider.region`, resolved once. `stage: ${opt:stage, "dev"}` names
        itself: inside its own resolution the option is unresolved, so its fallback answers (resolving it
        again at every level spent the file's whole budget and left its later variables unresolved)."""
        key = f"provider.{name}"
        if key not in self.addresses:
            self.addresses[key] = _UNRESOLVED
            value = _lookup(self.document, key)
            self.addresses[key] = self.value(value, depth + 1) if isinstance(value, str) else default
        return self.addresses[key]

    def _self(self, address: str, depth: int) -> Any:
        if not address:
            return _UNRESOLVED  # `${self:}` is the whole file: nothing a setting can use
        if address not in self.addresses:
            self.addresses[address] = _UNRESOLVED  # a reference to itself stays unresolved
            self.addresses[address] = self._self_uncached(address, depth)
        return self.addresses[address]

    def _self_uncached(self, address: str, depth: int) -> Any:
        # Each step is resolved before the next: `custom.settings` may itself be `${file(...)}`.
        data: Any = self.document
        for key in filter(None, address.split(".")):
            if isinstance(data, str) and "${" in data:
                data = self.value(data, depth + 1)
            data = _lookup(data, key)
            if data is _UNRESOLVED:
                return _UNRESOLVED
        return self.value(data, depth + 1)

    def _file(self, name: str) -> Any:
        if name:
            inputs.note(self.folder / name)  # the link itself: resolving below notes only where it leads
        path = (self.folder / name).resolve() if name else None
        if path is None or path.suffix not in (".yml", ".yaml", ".json"):
            return _UNRESOLVED
        if path not in self.files:
            text = self.read(path)
            data: Any = _UNRESOLVED
            if text is not None:
                try:
                    data = (load_json(text) if path.suffix == ".json" else load_yaml(text))[0]
                except TemplateError:  # an unreadable variables file leaves its variables unresolved
                    data = _UNRESOLVED
            self.files[path] = data
        return self.files[path]


def _split_fallbacks(expression: str) -> list[str]:
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(expression):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(expression[start:index])
            start = index + 1
    parts.append(expression[start:])
    return parts


def _literal(part: str) -> Any:
    if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
        return part[1:-1]
    if part.isdigit():
        return int(part)
    if part in ("true", "false"):
        return part == "true"
    return _UNRESOLVED


def _lookup(data: Any, address: str) -> Any:
    for key in filter(None, address.split(".")):
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return _UNRESOLVED
    return data


def _relocated(value: Any, pos: Pos) -> Any:
    """A value from elsewhere (another key, another file) placed where the variable is written."""
    if isinstance(value, str):
        return StrNode(str(value), pos)
    if isinstance(value, dict):
        result = DictNode({str(k): _relocated(v, pos) for k, v in value.items()}, pos=pos)
        result.key_spans = {str(k): pos for k in value}
        result.value_spans = {str(k): pos for k, v in value.items() if type(v) in BARE_SCALARS}
        return result
    if isinstance(value, list):
        items = ListNode([_relocated(v, pos) for v in value], pos=pos)
        items.value_spans = {i: pos for i, v in enumerate(value) if type(v) in BARE_SCALARS}
        return items
    return value


class _Builder:
    """A DictNode filled key by key, each key and bare value with the position it is written at."""

    def __init__(self, pos: Pos) -> None:
        self.node = DictNode(pos=pos)
        self.spans: dict[str, Pos] = {}
        self.node.value_spans = self.spans

    def put(self, key: str, value: Any, key_pos: Pos, value_pos: Pos | None = None) -> None:
        self.node[key] = value
        self.node.key_spans[key] = key_pos
        if type(value) in BARE_SCALARS:
            self.spans[key] = value_pos or key_pos


def _entry(holder: Any, key: str) -> tuple[Any, Pos, Pos] | None:
    """(value, key position, value position) of `holder[key]`, or None when it is not set."""
    if not isinstance(holder, DictNode) or key not in holder or holder[key] is None:
        return None
    return holder[key], holder.key_pos(key), holder.value_pos(key)


def _first(key: str, *holders: Any) -> tuple[Any, Pos, Pos, int] | None:
    """The value from the first holder that sets `key`, and which holder (0: the function, 1: provider)."""
    for index, holder in enumerate(holders):
        found = _entry(holder, key)
        if found is not None:
            return (*found, index)
    return None


def _tracing(value: Any) -> str | None:
    if value is True or (isinstance(value, str) and value.lower() in ("true", "active")):
        return "Active"
    if isinstance(value, str) and value.lower() == "passthrough":
        return "PassThrough"
    return None


def _event(kind: str, spec: Any, pos: Pos) -> DictNode:
    sam_type, source_key = _EVENTS.get(kind, (kind[:1].upper() + kind[1:], None))
    event = _Builder(pos)
    event.put("Type", StrNode(sam_type, pos), pos)
    properties = _Builder(pos_of(spec, pos))
    if kind == "stream":
        arn = spec.get("arn") if isinstance(spec, dict) else spec
        stream_type = spec.get("type") if isinstance(spec, dict) else None
        if stream_type == "dynamodb" or "dynamodb" in str(arn):
            event.put("Type", StrNode("DynamoDB", pos), pos)
        if arn is not None:
            properties.put("Stream", arn, pos_of(arn, pos))
    elif kind in ("http", "httpApi") and isinstance(spec, str):
        method, _, path = spec.partition(" ")
        properties.put("Method", StrNode(method, pos_of(spec, pos)), pos_of(spec, pos))
        properties.put("Path", StrNode(path or "/", pos_of(spec, pos)), pos_of(spec, pos))
    elif kind in ("http", "httpApi") and isinstance(spec, DictNode):
        for ours, theirs in (("Path", "path"), ("Method", "method")):
            found = _entry(spec, theirs)
            if found:
                properties.put(ours, found[0], found[1], found[2])
    elif source_key is not None:
        source = spec
        if isinstance(spec, DictNode):
            source = next((spec[key] for key in ("arn", "queue", "bucket", "topicName", "rate", "name")
                           if key in spec), None)
        if source is not None:
            properties.put(source_key, source, pos_of(source, pos))
    if isinstance(spec, DictNode) and kind == "eventBridge":
        for ours, theirs in (("Pattern", "pattern"), ("EventBusName", "eventBus")):
            found = _entry(spec, theirs)
            if found:
                properties.put(ours, found[0], found[1], found[2])
    event.put("Properties", properties.node, pos_of(spec, pos))
    return event.node


def _events(events: Any) -> DictNode | None:
    if not isinstance(events, ListNode):
        return None
    result = _Builder(events.pos)
    for index, item in enumerate(events):
        if not isinstance(item, DictNode) or len(item) != 1:
            continue
        ((kind, spec),) = item.items()
        result.put(f"{kind}{index + 1}", _event(str(kind), spec, item.key_pos(kind)), item.key_pos(kind))
    return result.node


def _environment(provider: Any, function: DictNode) -> DictNode | None:
    variables = _Builder(function.pos)
    for holder in (provider, function):
        environment = holder.get("environment") if isinstance(holder, DictNode) else None
        if isinstance(environment, DictNode):
            for name in environment:
                variables.put(str(name), environment[name], environment.key_pos(name), environment.value_pos(name))
    if not variables.node:
        return None
    environment_node = _Builder(function.pos)
    environment_node.put("Variables", variables.node, function.pos)
    return environment_node.node


def _statements(provider: Any) -> Any:
    """IAM statements from `provider.iam.role.statements` (v3+) or `provider.iamRoleStatements` (v2)."""
    if not isinstance(provider, DictNode):
        return None
    role = _lookup(provider, "iam.role")
    statements = role.get("statements") if isinstance(role, dict) else None
    return statements if isinstance(statements, list) else provider.get("iamRoleStatements")


def _function(name: str, spec: DictNode, provider: Any, key_pos: Pos,
              origins: dict[tuple[str, str], str], prefix: str | None) -> DictNode:
    properties = _Builder(spec.pos)
    handler = _entry(spec, "handler")
    # A plugin writes these modules into the package at deploy time (serverless-wsgi's wsgi_handler):
    # they are not the user's code and are never in the project.
    if handler and str(handler[0]).split(".", 1)[0] not in _PLUGIN_MODULES:
        properties.put("Handler", handler[0], handler[1], handler[2])
    image = _entry(spec, "image")
    if image:
        properties.put("PackageType", StrNode("Image", image[1]), image[1])
    for ours, theirs in (("Runtime", "runtime"), ("MemorySize", "memorySize"), ("Timeout", "timeout")):
        found = _first(theirs, spec, provider)
        if found:
            properties.put(ours, found[0], found[1], found[2])
            origins[(name, ours)] = "provider" if found[3] else "function"
    tracing = _entry(spec, "tracing") or _entry(_lookup(provider, "tracing") if isinstance(provider, DictNode) else None,
                                                  "lambda")
    if tracing and _tracing(tracing[0]):
        properties.put("Tracing", StrNode(_tracing(tracing[0]) or "", tracing[2]), tracing[1])
    architecture = _first("architecture", spec, provider)
    if architecture:
        properties.put("Architectures", ListNode([architecture[0]], pos=architecture[2]), architecture[1])
    environment = _environment(provider, spec)
    if environment is not None:
        properties.put("Environment", environment, spec.key_pos("environment"))
    events = _events(spec.get("events"))
    if events is not None:
        properties.put("Events", events, spec.key_pos("events"))
    _failure_handling(spec, properties)
    statements = _statements(provider)
    if isinstance(statements, ListNode):
        policy = _Builder(statements.pos)
        policy.put("Statement", statements, statements.pos)
        properties.put("Policies", ListNode([policy.node], pos=statements.pos), statements.pos)
    deployed_name = _entry(spec, "name")
    if deployed_name:
        properties.put("FunctionName", deployed_name[0], deployed_name[1], deployed_name[2])
    elif prefix:
        properties.put("FunctionName", StrNode(f"{prefix}-{name}", key_pos), key_pos)
    resource = _Builder(key_pos)
    resource.put("Type", StrNode("AWS::Serverless::Function", key_pos), key_pos)
    resource.put("Properties", properties.node, key_pos)
    return resource.node


def _failure_handling(spec: DictNode, properties: _Builder) -> None:
    """`destinations.onFailure` (a name, an ARN, or `{type, arn}`) and `onError` (the framework's DLQ) in SAM's
    words, so asynchronous failure handling is seen as in a SAM function."""
    on_failure = _entry(spec.get("destinations"), "onFailure")
    if on_failure:
        target = on_failure[0].get("arn") if isinstance(on_failure[0], dict) else on_failure[0]
        if target is not None:
            at = on_failure[1]
            failure, destination, invoke_config = _Builder(at), _Builder(at), _Builder(at)
            failure.put("Destination", target, at, on_failure[2])
            destination.put("OnFailure", failure.node, at)
            invoke_config.put("DestinationConfig", destination.node, at)
            properties.put("EventInvokeConfig", invoke_config.node, spec.key_pos("destinations"))
    on_error = _entry(spec, "onError")
    if on_error:
        queue = _Builder(on_error[1])
        queue.put("Type", StrNode("SNS", on_error[1]), on_error[1])
        queue.put("TargetArn", on_error[0], on_error[1], on_error[2])
        properties.put("DeadLetterQueue", queue.node, on_error[1])


def _log_group(function_name: Any, spec: DictNode, provider: Any, key_pos: Pos) -> DictNode | None:
    """The log group the framework declares for each function, retention from `logRetentionInDays`."""
    if not isinstance(function_name, str) or "${" in function_name:
        return None
    properties = _Builder(key_pos)
    properties.put("LogGroupName", StrNode(f"/aws/lambda/{function_name}", key_pos), key_pos)
    retention = _first("logRetentionInDays", spec, provider)
    if retention:
        properties.put("RetentionInDays", retention[0], retention[1], retention[2])
    group = _Builder(key_pos)
    group.put("Type", StrNode("AWS::Logs::LogGroup", key_pos), key_pos)
    group.put("Properties", properties.node, key_pos)
    return group.node


def _normalized(name: str) -> str:
    """The framework's name for a function in logical IDs: `get-user_v2` → `GetDashuserUnderscorev2`."""
    name = name.replace("-", "Dash").replace("_", "Underscore")
    return name[:1].upper() + name[1:]


_REFERENCE_IN_SUB = re.compile(r"\$\{([A-Za-z0-9]+)([.}])")


def _overridden(generated: DictNode, override: DictNode) -> DictNode:
    """A resource of `resources` with the logical ID of one the framework generates (a function's log
    group) is merged into it, the user's properties winning, as the framework merges them."""
    merged = _merged_mapping(generated, override)
    properties, extra = generated.get("Properties"), override.get("Properties")
    if isinstance(properties, DictNode) and isinstance(extra, DictNode):
        merged["Properties"] = _merged_mapping(properties, extra)
    return merged


def _merged_mapping(base: DictNode, over: DictNode) -> DictNode:
    """`base` updated with `over`, one level deep, each key keeping the position of the side it comes from."""
    merged = DictNode({**base, **over}, pos=over.pos)
    merged.key_spans = {**base.key_spans, **over.key_spans}
    merged.value_spans = {**base.value_spans, **over.value_spans}
    return merged


def _sub_renamed(text: str, aliases: dict[str, str], fallback: Pos) -> str:
    renamed = _REFERENCE_IN_SUB.sub(lambda match: "${" + aliases.get(match[1], match[1]) + match[2], text)
    return text if renamed == text else StrNode(renamed, pos_of(text, fallback))


def _with_function_keys(value: Any, aliases: dict[str, str]) -> Any:
    """`value` with `Ref`, `Fn::GetAtt`, `Fn::Sub` and `DependsOn` references to a framework logical ID
    renamed to the function's key, in place: each renamed string keeps its position."""
    def renamed(name: Any, fallback: Pos) -> Any:
        return StrNode(aliases[name], pos_of(name, fallback)) if isinstance(name, str) and name in aliases else name

    if isinstance(value, DictNode):
        for key, item in value.items():
            if key in ("Ref", "DependsOn") and isinstance(item, str):
                value[key] = renamed(item, value.pos)
            elif key == "DependsOn" and isinstance(item, ListNode):
                item[:] = [renamed(name, item.pos) for name in item]
            elif key == "Fn::GetAtt" and isinstance(item, ListNode) and item:
                item[0] = renamed(item[0], item.pos)
            elif key == "Fn::GetAtt" and isinstance(item, str) and item.partition(".")[0] in aliases:
                head, _, tail = item.partition(".")
                value[key] = StrNode(f"{aliases[head]}.{tail}", pos_of(item, value.pos))
            elif key == "Fn::Sub" and isinstance(item, str):
                value[key] = _sub_renamed(item, aliases, value.pos)
            elif key == "Fn::Sub" and isinstance(item, ListNode) and item and isinstance(item[0], str):
                item[0] = _sub_renamed(item[0], aliases, item.pos)
                _with_function_keys(item[1:], aliases)
            else:
                _with_function_keys(item, aliases)
    elif isinstance(value, ListNode):
        for item in value:
            _with_function_keys(item, aliases)
    return value


def translate(path: Path, text: str, read: Callable[[Path], str | None]) -> Template:
    """The SAM-shaped template of one serverless.yml; raises NotATemplate or TemplateError."""
    data, problems = load_json(text) if path.suffix == ".json" else load_yaml(text)
    if not isinstance(data, DictNode) or not isinstance(data.get("functions", data.get("service")), (dict, str)):
        raise NotATemplate
    provider_name = _lookup(data, "provider.name")
    if isinstance(provider_name, str) and provider_name.strip().lower() != "aws":
        raise NotATemplate  # Google Cloud, Azure, Kubeless, Spotinst: no Lambda here
    variables = _Variables(data, path.parent, read)
    document = variables.value(data)
    assert isinstance(document, DictNode)
    provider = document.get("provider")
    resources = _Builder(document.key_pos("functions"))
    origins: dict[tuple[str, str], str] = {}
    functions = document.get("functions")
    service, stage = document.get("service"), _lookup(document, "provider.stage")
    # The framework names each function `<service>-<stage>-<name>` (stage `dev` unless set).
    prefix = f"{service}-{stage if isinstance(stage, str) and '${' not in stage else 'dev'}" \
        if isinstance(service, str) and "${" not in service else None
    if isinstance(functions, DictNode):
        for name, spec in functions.items():
            if isinstance(spec, DictNode):
                key_pos = functions.key_pos(name)
                resource = _function(str(name), spec, provider, key_pos, origins, prefix)
                resources.put(str(name), resource, key_pos)
                group = _log_group(resource["Properties"].get("FunctionName"), spec, provider, key_pos)
                if group is not None:
                    resources.put(f"{_normalized(str(name))}LogGroup", group, key_pos)
    # `resources.Resources` is plain CloudFormation: linked as any template's resources are. It names a
    # function by the framework's logical ID (`HelloLambdaFunction`), which here is the function's key.
    extra = _lookup(document, "resources.Resources")
    if isinstance(extra, DictNode):
        aliases = {f"{_normalized(str(name))}LambdaFunction": str(name)
                   for name in (functions if isinstance(functions, DictNode) else ())}
        for logical_id, resource in extra.items():
            resource = _with_function_keys(resource, aliases)
            generated = resources.node.get(str(logical_id))
            if isinstance(generated, DictNode) and isinstance(resource, DictNode):
                resource = _overridden(generated, resource)
            resources.put(str(logical_id), resource, extra.key_pos(logical_id))
    template_data = _Builder(document.pos)
    template_data.put("Transform", StrNode(SAM_TRANSFORM, document.pos), document.pos)
    # `provider.tracing.apiGateway: true` turns on X-Ray for the REST API the framework creates for `http`
    # events, which the translated template's implicit API stands for: SAM's Globals.Api says the same.
    api_tracing = _entry(_lookup(provider, "tracing") if isinstance(provider, DictNode) else None, "apiGateway")
    if api_tracing and api_tracing[0] is True:
        api = _Builder(api_tracing[1])
        api.put("TracingEnabled", True, api_tracing[1], api_tracing[2])
        globals_section = _Builder(api_tracing[1])
        globals_section.put("Api", api.node, api_tracing[1])
        template_data.put("Globals", globals_section.node, api_tracing[1])
    template_data.put("Resources", resources.node, document.key_pos("functions"))
    template = Template(path, template_data.node, text, problems, "json" if path.suffix == ".json" else "yaml")
    template.framework = "serverless"
    template.defaults = dict(DEFAULTS)
    template.origins = origins
    template.unresolved = variables.unresolved
    return template
