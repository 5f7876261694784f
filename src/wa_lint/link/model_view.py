"""`--show-model`: what wa-lint understood of the project, as text or JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from wa_lint.link.model import Entry, Function, Setting
from wa_lint.result import RunResult, relative


def _setting(setting: Setting | None) -> dict[str, Any] | None:
    if setting is None:
        return None
    value = setting.value if isinstance(setting.value, (int, float, str, bool)) else None
    return {"value": value, "source": setting.source, "parameter": setting.parameter,
            "line": setting.span.line}


def _function(function: Function) -> dict[str, Any]:
    handler = function.handler
    return {
        "logical_id": function.logical_id,
        "type": function.type,
        "template": relative(function.template.path),
        "line": function.span.line,
        "runtime": function.runtime,
        "handler": handler.text if handler else None,
        "code": {
            "kind": function.code.kind,
            "root": relative(function.code.root) if function.code.root else None,
        },
        "handler_file": relative(handler.file) if handler and handler.file else None,
        "handler_function": handler.qualname if handler else None,
        "handler_problem": handler.problem if handler else None,
        "memory": _setting(function.memory),
        "timeout": _setting(function.timeout),
        "environment": {
            name: {"target": var.target, "value": var.value if isinstance(var.value, (str, int)) else None}
            for name, var in function.environment.items()
        },
        "triggers": [{"name": t.name, "type": t.type, "target": t.target} for t in function.triggers],
        "layers": function.layers,
    }


def _entry(entry: Entry) -> dict[str, Any]:
    return {
        "file": relative(entry.facts.path),
        "function": entry.qualname,
        "from_template": entry.function.logical_id if entry.function else None,
    }


def model_dict(result: RunResult) -> dict[str, Any]:
    project = result.project
    return {
        "root": str(project.root),
        "templates": [relative(template.path) for template in project.templates],
        "functions": [_function(function) for function in project.functions],
        "tables": [
            {
                "logical_id": table.logical_id,
                "type": table.type,
                "template": relative(table.template.path),
                "table_name": table.table_name,
                "billing_mode": table.billing_mode,
            }
            for table in project.tables
        ],
        "dax_clusters": [r.logical_id for r in project.resources_of_type("AWS::DAX::Cluster")],
        "entries": [_entry(entry) for entry in project.entries],
        "python_files": sorted(relative(path) for path in project.modules),
        **({"live": _live(project)} if project.live else {}),
    }


def _live(project: Any) -> dict[str, Any]:
    """What `--aws` read, keyed by the template's logical IDs."""
    from dataclasses import asdict

    live = project.live
    functions, tables = {}, {}
    for (path, logical_id), resource in sorted(live.deployed.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        shown = path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) else relative(path)
        key = f"{shown}#{logical_id}"
        if resource.physical_id in live.functions:
            metrics = live.function_metrics.get(resource.physical_id)
            functions[key] = {"deployed": asdict(live.functions[resource.physical_id]),
                              "metrics": asdict(metrics) if metrics else None}
        elif resource.physical_id in live.tables:
            tables[key] = asdict(live.tables[resource.physical_id])
    return {"stack": live.stack, "region": live.region, "window_days": live.window_days,
            "functions": functions, "tables": tables,
            "dax_clusters": {name: asdict(cluster) for name, cluster in live.dax_clusters.items()},
            "problems": [problem.message for problem in live.problems]}


def _printable(value: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {key: _printable(item, clean) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item, clean) for item in value]
    return value


def show_text(result: RunResult, out: TextIO) -> None:
    from wa_lint.report.formats import one_line

    model = _printable(model_dict(result), one_line)
    out.write(f"Templates ({len(model['templates'])}):\n")
    out.writelines(f"  {template}\n" for template in model["templates"])
    out.write(f"Functions ({len(model['functions'])}):\n")
    for function in model["functions"]:
        out.write(f"  {function['logical_id']}  [{function['type']}, {function['runtime'] or 'runtime ?'}]"
                  f"  {function['template']}:{function['line']}\n")
        if function["handler_file"]:
            target = f"{function['handler_file']} → {function['handler_function']}"
        else:
            target = function["handler_problem"] or f"no local code ({function['code']['kind']})"
        out.write(f"    handler: {function['handler'] or '-'} → {target}\n")
        memory = function["memory"]
        memory_text = (f"{memory['value']} MB (from {memory['source']}"
                       + (f", parameter {memory['parameter']}" if memory["parameter"] else "") + ")"
                       if memory else "not set (128 MB default)")
        out.write(f"    memory: {memory_text}\n")
        if function["triggers"]:
            triggers = ", ".join(f"{t['name']} ({t['type']})" for t in function["triggers"])
            out.write(f"    triggers: {triggers}\n")
        if function["environment"]:
            env = ", ".join(f"{k}→{v['target']}" if v["target"] else k for k, v in function["environment"].items())
            out.write(f"    environment: {env}\n")
    out.write(f"Tables ({len(model['tables'])}):\n")
    out.writelines(f"  {table['logical_id']}  [{table['type']}] billing: {table['billing_mode'] or 'PROVISIONED'}\n" for table in model["tables"])
    out.write(f"DAX clusters: {', '.join(model['dax_clusters']) or 'none'}\n")
    others = [entry for entry in model["entries"] if not entry["from_template"]]
    if others:
        out.write(f"Handlers found by signature ({len(others)}):\n")
        out.writelines(f"  {entry['file']} → {entry['function']}\n" for entry in others)
    out.write(f"Python files analysed: {len(model['python_files'])}\n")
    if "live" in model:
        _show_live(model["live"], out)


def _show_live(live: dict[str, Any], out: TextIO) -> None:
    out.write(f"Deployed (stack {live['stack']} in {live['region']}, {live['window_days']} days):\n")
    for key, function in live["functions"].items():
        deployed, metrics = function["deployed"], function["metrics"] or {}
        measured = [f"{kind.replace('_', ' ')} {m['value']:,.0f}{' ' + m['unit'] if m['unit'] else ''}"
                    for kind, m in metrics.items() if m]
        out.write(f"  {key}  {deployed['name']}: {deployed['memory']} MB, {deployed['timeout']} s, "
                  f"{deployed['architecture']}, {deployed['runtime']}, tracing {deployed['tracing']}\n")
        if measured:
            out.write(f"    measured: {', '.join(measured)}\n")
    for key, table in live["tables"].items():
        reads, writes = table["reads_per_second"], table["writes_per_second"]
        rates = ", ".join(f"{label} {m['value']:,.1f}/s" for label, m in (("RCU", reads), ("WCU", writes)) if m)
        out.write(f"  {key}  {table['name']}: {table['billing_mode'] or 'billing ?'}"
                  + (f", consumed {rates}" if rates else "") + "\n")
