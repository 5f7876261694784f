"""Edits to a loaded template that change one value and keep every other character as it is.

The functions return an `Edit` (offsets into `Template.text`, see findings.Edit) and never write a
file; `apply_edits` turns edits into the new text. A value is named by its path from the document
root, as cfn-lint's rules name them: ``("Resources", "Fn", "Properties", "MemorySize")``.

What can be edited, and what is refused (None, so the caller can say "not fixable"):

- `replace_value` replaces one scalar's characters: ``MemorySize: 128`` → ``512``. A quoted scalar
  stays quoted in its own style (``"128"`` → ``"512"``, which loads as the text ``"512"``); a plain
  one stays plain when the new value reads back as itself, else it is double-quoted. Block scalars
  (``|``, ``>``) and scalars with a tag or anchor are refused.
- `insert_entry` adds ``key: value`` to a mapping: in block YAML on a new line after the mapping's
  last entry, at its keys' indentation (comments and blank lines after that entry stay where they
  are); in JSON after the last member with the object's own layout (one member per line, or all on
  one line) and the comma where it belongs. Flow-style YAML mappings are refused.
- A path through an alias (a merge key's ``<<: *base`` included), a value SAM Globals merged into a
  resource, or an anchored value is refused: the value is written elsewhere, or shared, and editing
  it would change every place that uses it.

Every edit is checked before it is returned: the edited text is loaded again and must hold the new
value at the path and everything else unchanged; an edit that fails the check is refused.
`propose_value` and `propose_entry` return the edit unchecked, as a `Proposal`; `check_together`
checks many proposals for one template with one load per round of edits that do not overlap (a
failed round is checked edit by edit), with the same verdict for each as checking it alone.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from wa_lint.load.template.document import Template
from wa_lint.load.template.errors import TemplateError
from wa_lint.load.template.nodes import DictNode, ListNode, Pos
from wa_lint.report.findings import Edit

TemplatePath = Sequence[str | int]
Scalar = str | int | float | bool | None

# Between a key and its value: the colon, then blanks, comments and line breaks (an anchor, a tag or an
# alias in between makes the value shared or typed, which an edit must not touch).
_YAML_KEY_VALUE = re.compile(r"[ \t]*:(?:[ \t]+|#[^\n]*|\r?\n)*")
_YAML_BEFORE_ITEM = re.compile(r"(?:[ \t\[,-]|#[^\n]*|\r?\n)*")
_JSON_KEY_VALUE = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")
_JSON_BEFORE_ITEM = re.compile(r"[ \t\r\n\[,]*")
# A flow collection's first character, after any tag or anchor written before it.
_FLOW_START = re.compile(r"(?:[!&]\S*\s+)*[\[{]")
# Plain scalars we write without quotes: no indicator first, nothing a YAML reader treats specially.
_PLAIN = re.compile(r"[A-Za-z0-9_./$][A-Za-z0-9_./$@+=-]*(?:::?[A-Za-z0-9_./$@+=-]+)*")
_BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")
# Characters a YAML stream may not carry raw (YAML 1.1 printable set), escaped in double quotes.
_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, eq=False)
class Proposal:
    """An edit not checked yet, and what the edited template must hold for it to be safe: `expected`
    at `path`, and every other value unchanged."""

    template: Template
    edit: Edit
    path: tuple[str | int, ...]
    expected: Any

    def checked(self) -> Edit | None:
        """The edit when the edited template passes the check on its own, else None."""
        return self.edit if _still_holds(self.template, self.edit, self.path, self.expected) else None


def replace_value(template: Template, path: TemplatePath, value: Scalar) -> Edit | None:
    """The edit that writes `value` in place of the scalar at `path`, or None when that is not safe."""
    proposal = propose_value(template, path, value)
    return proposal.checked() if proposal is not None else None


def insert_entry(template: Template, path: TemplatePath, key: str, value: Any,
                 before: str | None = None) -> Edit | None:
    """The edit that adds `key: value` to the mapping at `path` (() for the root), or None.

    With `before`, the entry goes just above that key of the mapping (and above the comment lines
    written right above it) instead of after the last entry: a new resource declared next to the one
    it serves, and several such insertions in one mapping that do not all land at its end.
    """
    proposal = propose_entry(template, path, key, value, before)
    return proposal.checked() if proposal is not None else None


def propose_value(template: Template, path: TemplatePath, value: Scalar) -> Proposal | None:
    """`replace_value`'s edit, not checked yet; None when it is refused before any check."""
    # A translated framework file (serverless.yml) is not shaped like the paths: never edited through them.
    if not path or template.framework:
        return None
    found = _locate(template, path)
    if found is None:
        return None
    current, pos = found
    if isinstance(current, (DictNode, ListNode)):
        return None
    text = template.text
    written = text[pos.start : pos.end]
    rendered = _json_replacement(written, value) if template.syntax == "json" else _yaml_replacement(written, value)
    if rendered is None:
        return None
    replacement, expected = rendered
    return Proposal(template, Edit.at(template.path, text, pos.start, pos.end, replacement), tuple(path), expected)


def propose_entry(template: Template, path: TemplatePath, key: str, value: Any,
                  before: str | None = None) -> Proposal | None:
    """`insert_entry`'s edit, not checked yet; None when it is refused before any check."""
    if template.framework:
        return None
    found = _locate(template, path)
    if found is None:
        return None
    mapping, pos = found
    if not isinstance(mapping, DictNode) or key in mapping:
        return None
    if before is not None:
        edit = _insertion_before(template, mapping, pos, key, value, before)
    elif template.syntax == "json":
        edit = _json_insertion(template, mapping, pos, key, value)
    else:
        edit = _yaml_insertion(template, mapping, pos, key, value)
    if edit is None:
        return None
    return Proposal(template, edit, (*path, key), value)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """The text with every edit applied; edits must not overlap (two insertions at one place do).

    An insertion where a replacement starts is applied before it."""
    ordered = sorted(edits, key=lambda edit: (edit.start, edit.end))
    if len({edit.path for edit in ordered}) > 1:
        raise ValueError("edits for more than one file")
    parts, done = [], 0
    previous: Edit | None = None
    for edit in ordered:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise ValueError(f"edit {edit.start}..{edit.end} is outside a text of {len(text)} characters")
        # Two insertions at one place have no order; an insertion where a replacement starts goes first.
        if previous is not None and (edit.start < previous.end or edit.end == previous.start == previous.end):
            raise ValueError(f"edits {previous.start}..{previous.end} and {edit.start}..{edit.end} overlap")
        parts += [text[done : edit.start], edit.replacement]
        done, previous = edit.end, edit
    parts.append(text[done:])
    return "".join(parts)


# -- finding the value ----------------------------------------------------------------------------

def _locate(template: Template, path: TemplatePath) -> tuple[Any, Pos] | None:
    """The value at `path` and where it is written, when each step is written in place."""
    json_syntax = template.syntax == "json"
    key_value = _JSON_KEY_VALUE if json_syntax else _YAML_KEY_VALUE
    before_item = _JSON_BEFORE_ITEM if json_syntax else _YAML_BEFORE_ITEM
    text = template.text
    node: Any = template.data
    pos: Pos | None = getattr(node, "pos", None)
    for step in path:
        if pos is None:
            return None
        if isinstance(node, DictNode) and isinstance(step, str):
            key_pos = node.key_spans.get(step)
            if step not in node or key_pos is None or not _within(key_pos, pos):
                return None  # a merged-in key (`<<:`, SAM Globals) is written elsewhere
            child = node[step]
            child_pos = getattr(child, "pos", None) or node.value_spans.get(step)
            if child_pos is None or child_pos.start < key_pos.end:
                return None  # an alias: the value is written where its anchor is
            if key_value.fullmatch(text, key_pos.end, child_pos.start) is None:
                return None
        elif isinstance(node, ListNode) and isinstance(step, int) and 0 <= step < len(node):
            child = node[step]
            child_pos = getattr(child, "pos", None) or node.value_spans.get(step)
            after = node.item_pos(step - 1).end if step else pos.start
            if child_pos is None or child_pos.start < after or not _within(child_pos, pos):
                return None
            if before_item.fullmatch(text, after, child_pos.start) is None:
                return None
        else:
            return None
        node, pos = child, child_pos
    if pos is None or pos.end > len(text):
        return None
    return node, pos


def _within(inner: Pos, outer: Pos) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


# -- writing scalars ------------------------------------------------------------------------------

def _scalar_text(value: Scalar) -> str | None:
    """How YAML and JSON spell a scalar (None for what they cannot: NaN, infinities, other types)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return value
    return None


def _double_quoted(text: str) -> str:
    escaped = json.dumps(text, ensure_ascii=False)
    return _NOT_PRINTABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", escaped)


def _single_quoted(text: str) -> str:
    if "\n" in text or "\r" in text or _NOT_PRINTABLE.search(text):
        return _double_quoted(text)  # single quotes would fold the line break, and cannot escape
    return "'" + text.replace("'", "''") + "'"


# A run asks this of the same few texts (`Active`, `arm64`, the keys of what it inserts) thousands of
# times, and the answer depends on the text and the value alone (`typed`: 1 and True differ here):
# a pure function's memo, which carries nothing from one run to the next (the editor server's).
@functools.lru_cache(maxsize=1024, typed=True)
def _reads_back(text: str, value: Scalar) -> bool:
    """Whether `text` written plain, in block and in flow context, loads as exactly `value`."""
    from wa_lint.load.template.yaml_loader import load_yaml

    for document in (f"k: {text}\n", f"k: [{text}]\n"):
        try:
            data, problems = load_yaml(document)
        except TemplateError:
            return False
        loaded = data["k"] if isinstance(data, dict) else None
        if isinstance(loaded, list):
            loaded = loaded[0] if len(loaded) == 1 else object()
        if problems or not _same(loaded, value):
            return False
    return True


def _same(loaded: Any, value: Any) -> bool:
    """Equal and of the same kind (True == 1 in Python, but not in a template)."""
    if isinstance(value, str) or isinstance(loaded, str):
        return isinstance(loaded, str) and isinstance(value, str) and str(loaded) == str(value)
    if isinstance(value, dict):
        return (isinstance(loaded, dict) and loaded.keys() == value.keys()
                and all(_same(loaded[key], value[key]) for key in value))
    if isinstance(value, list):
        return (isinstance(loaded, list) and len(loaded) == len(value)
                and all(_same(a, b) for a, b in zip(loaded, value, strict=True)))
    return type(loaded) is type(value) and loaded == value


def _yaml_plain(value: Any) -> str | None:
    """A scalar or (flow) collection as YAML, plain when it reads back as itself, else quoted."""
    if isinstance(value, (dict, list)):
        try:
            return json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return None
    text = _scalar_text(value)
    if text is None:
        return None
    if isinstance(value, str):
        return text if _PLAIN.fullmatch(text) and _reads_back(text, text) else _double_quoted(text)
    return text if _reads_back(text, value) else None


def _yaml_replacement(written: str, value: Scalar) -> tuple[str, Any] | None:
    """(replacement, the value it loads as); None when the scalar as written is not ours to touch."""
    first = written[:1]
    text = _scalar_text(value)
    if text is None or not written or first in "|>!&*":
        return None  # block scalar, tag, anchor or alias
    if first == '"':
        return _double_quoted(text), text
    if first == "'":
        return _single_quoted(text), text
    plain = _yaml_plain(value)
    return (plain, value) if plain is not None else None


def _json_replacement(written: str, value: Scalar) -> tuple[str, Any] | None:
    text = _scalar_text(value)
    if text is None:
        return None
    if written.startswith('"'):
        return json.dumps(text, ensure_ascii=False), text
    return json.dumps(value, ensure_ascii=False), value


# -- inserting entries ----------------------------------------------------------------------------

def _newline(text: str, offset: int) -> str:
    """The line ending used where the insertion goes (the file's first one at its end)."""
    end = text.find("\n", offset)
    if end == -1:
        end = text.find("\n")
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


def _entries_in_place(mapping: DictNode, pos: Pos) -> list[tuple[str, Pos]]:
    """The mapping's keys written inside it (not merged in), in the order they are written."""
    spans = mapping.key_spans
    return sorted(((key, spans[key]) for key in mapping if key in spans and _within(spans[key], pos)),
                  key=lambda item: item[1].start)


def _content_end(node: Any, pos: Pos, text: str) -> int:
    """Where the last character of a value's own text is (a block collection's mark runs further)."""
    if isinstance(node, (DictNode, ListNode)) and _FLOW_START.match(text, pos.start):
        return pos.end  # the closing bracket, which may sit on a line of its own
    if isinstance(node, DictNode):
        ends = [pos.start]
        for key in node:
            key_pos = node.key_spans.get(key)
            value_pos = getattr(node[key], "pos", None) or node.value_spans.get(key)
            if key_pos is not None and key_pos != pos:  # a short-form tag's key is the whole node
                ends.append(key_pos.end)
            if value_pos is not None:
                ends.append(_content_end(node[key], value_pos, text))
        return max(ends) if len(node) else pos.end
    if isinstance(node, ListNode):
        ends = [pos.start]
        for index, item in enumerate(node):
            item_pos = getattr(item, "pos", None) or node.value_spans.get(index)
            if item_pos is not None:
                ends.append(_content_end(item, item_pos, text))
        return max(ends) if node else pos.end
    return pos.end


def _yaml_insertion(template: Template, mapping: DictNode, pos: Pos, key: str, value: Any) -> Edit | None:
    text = template.text
    entries = _entries_in_place(mapping, pos)
    if not entries or text[pos.start : pos.start + 1] in ("{", "&", "!"):
        return None  # flow style (or tagged/anchored, which this reading cannot tell apart)
    columns = {key_pos.column for _, key_pos in entries}
    if len(columns) != 1:
        return None
    end = max(max(key_pos.end, _content_end(mapping[name], mapping.value_pos(name), text)) for name, key_pos in entries)
    line_end = text.find("\n", end)
    if line_end == -1:
        line_end = len(text)
    elif line_end > 0 and text[line_end - 1] == "\r":
        line_end -= 1
    newline = _newline(text, line_end)
    unit = _indent_unit(text)
    if not unit or unit.strip(" "):
        unit = "  "  # YAML indents with spaces only; a tab-indented block scalar says nothing
    lines = _yaml_entry(key, value, " " * (columns.pop() - 1), unit)
    if lines is None:
        return None
    return Edit.at(template.path, text, line_end, line_end, "".join(newline + line for line in lines))


def _yaml_entry(key: str, value: Any, indent: str, unit: str) -> list[str] | None:
    """`key: value` as block YAML lines (a non-empty mapping value nests, one entry per line)."""
    rendered_key = _yaml_plain(key)
    if rendered_key is None:
        return None
    if isinstance(value, dict) and value:
        lines = [f"{indent}{rendered_key}:"]
        for inner_key, inner_value in value.items():
            inner = _yaml_entry(inner_key, inner_value, indent + unit, unit) if isinstance(inner_key, str) else None
            if inner is None:
                return None
            lines += inner
        return lines
    rendered_value = _yaml_plain(value)
    return [f"{indent}{rendered_key}: {rendered_value}"] if rendered_value is not None else None


def _json_insertion(template: Template, mapping: DictNode, pos: Pos, key: str, value: Any) -> Edit | None:
    text = template.text
    try:
        member_value = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return None
    entries = _entries_in_place(mapping, pos)
    if not entries:
        inside = text[pos.start + 1 : pos.end - 1]
        if inside.strip():
            return None
        before = text[text.rfind("\n", 0, pos.start) + 1 : pos.start]
        indent = before[: len(before) - len(before.lstrip(" \t"))]
        unit = _indent_unit(text)
        member = f"{json.dumps(key, ensure_ascii=False)}: {member_value}"
        if unit is None:
            return Edit.at(template.path, text, pos.start + 1, pos.end - 1, member)
        newline = _newline(text, pos.start)
        return Edit.at(template.path, text, pos.start + 1, pos.end - 1,
                       f"{newline}{indent}{unit}{member}{newline}{indent}")
    last_key, last_pos = entries[-1]
    last_value_end = mapping.value_pos(last_key).end
    separator = text[last_pos.end : mapping.value_pos(last_key).start]  # `: ` as the file writes it
    previous_start = entries[-2][1].start if len(entries) > 1 else pos.start
    if "\n" in text[previous_start : last_pos.start]:
        line_start = text.rfind("\n", 0, last_pos.start) + 1
        gap = _newline(text, line_start) + text[line_start : last_pos.start]
    else:
        gap = " "
    member = f"{json.dumps(key, ensure_ascii=False)}{separator}{member_value}"
    return Edit.at(template.path, text, last_value_end, last_value_end, f",{gap}{member}")


def _insertion_before(template: Template, mapping: DictNode, pos: Pos, key: str, value: Any,
                      before: str) -> Edit | None:
    entries = dict(_entries_in_place(mapping, pos))
    target = entries.get(before)
    if target is None:
        return None  # not a key written in this mapping
    text = template.text
    if template.syntax == "json":
        return _json_insertion_before(template, target, key, value)
    if text[pos.start : pos.start + 1] in ("{", "&", "!") or len({p.column for p in entries.values()}) != 1:
        return None
    line_start = text.rfind("\n", 0, target.start) + 1
    indent = text[line_start : target.start]
    if indent.strip(" "):
        return None  # the key shares its line with something else
    while line_start > 0:  # the comment lines right above the key belong to it
        previous = text.rfind("\n", 0, line_start - 1) + 1
        line = text[previous : line_start].rstrip("\r\n")
        if not (line.startswith(indent + "#") or (indent == "" and line.startswith("#"))):
            break
        line_start = previous
    unit = _indent_unit(text)
    if not unit or unit.strip(" "):
        unit = "  "
    lines = _yaml_entry(key, value, indent, unit)
    if lines is None:
        return None
    newline = _newline(text, line_start)
    # Entries the file separates with blank lines get one after the new entry too.
    starts = sorted(p.start for p in entries.values())
    spaced = _BLANK_LINE.search(text, starts[0], starts[-1]) is not None
    spacer = newline if spaced else ""
    return Edit.at(template.path, text, line_start, line_start, "".join(line + newline for line in lines) + spacer)


def _json_insertion_before(template: Template, target: Pos, key: str, value: Any) -> Edit | None:
    text = template.text
    gap_start = target.start
    while gap_start > 0 and text[gap_start - 1] in " \t\r\n":
        gap_start -= 1
    gap = text[gap_start : target.start]
    unit = _indent_unit(text)
    try:
        if "\n" in gap and unit is not None:
            indent = gap[gap.rfind("\n") + 1 :]
            newline = _newline(text, gap_start)
            rendered = json.dumps(value, ensure_ascii=False, allow_nan=False, indent=unit)
            rendered = rendered.replace("\n", newline + indent)
            separator = newline + indent
        else:
            rendered = json.dumps(value, ensure_ascii=False, allow_nan=False)
            separator = gap or " "
    except (TypeError, ValueError):
        return None
    member = f"{json.dumps(key, ensure_ascii=False)}: {rendered},{separator}"
    return Edit.at(template.path, text, target.start, target.start, member)


def _indent_unit(text: str) -> str | None:
    """The file's indentation step: the leading blanks of its first indented line (None if none is)."""
    match = re.search(r"\n([ \t]+)\S", text)
    return match.group(1) if match else None


# -- checking ------------------------------------------------------------------------------------

def check_together(proposals: Sequence[Proposal]) -> list[bool]:
    """For each proposal, whether its edit passes the check it would pass alone.

    The edits are applied in rounds of edits that `apply_edits` can apply together (two insertions at
    one place go to different rounds), and each round's text is loaded once; a round that fails the
    joint check (one bad edit, or two that clash, such as the same key inserted twice) is checked edit
    by edit, so no verdict depends on which other edits were proposed.
    """
    verdicts = [False] * len(proposals)
    by_template: dict[int, list[int]] = {}
    for index, proposal in enumerate(proposals):
        by_template.setdefault(id(proposal.template), []).append(index)
    for indexes in by_template.values():
        template = proposals[indexes[0]].template
        for members in _rounds([proposals[index].edit for index in indexes]):
            chosen = [indexes[member] for member in members]
            if len(chosen) > 1 and _hold(template, [proposals[index] for index in chosen]):
                for index in chosen:
                    verdicts[index] = True
                continue
            for index in chosen:
                verdicts[index] = _hold(template, [proposals[index]])
    return verdicts


def _rounds(edits: Sequence[Edit]) -> list[list[int]]:
    """The edits' indexes in groups that `apply_edits` accepts together, as few groups as it allows."""
    rounds: list[list[int]] = []
    last: list[Edit] = []  # the edit of each round that reaches furthest
    for index in sorted(range(len(edits)), key=lambda number: (edits[number].start, edits[number].end)):
        edit = edits[index]
        for number, previous in enumerate(last):
            # The order apply_edits sorts in: this edit comes after every edit of the round.
            if not (edit.start < previous.end or edit.end == previous.start == previous.end):
                rounds[number].append(index)
                last[number] = edit
                break
        else:
            rounds.append([index])
            last.append(edit)
    return rounds


def _still_holds(template: Template, edit: Edit, path: tuple[str | int, ...], expected: Any) -> bool:
    """The edited text loads, holds `expected` at `path`, and is unchanged everywhere else."""
    return _hold(template, [Proposal(template, edit, path, expected)])


def _hold(template: Template, proposals: Sequence[Proposal]) -> bool:
    """The text with every proposal's edit loads, holds each one's value at its path, and is unchanged
    everywhere else."""
    from wa_lint.load.template.json_loader import load_json
    from wa_lint.load.template.yaml_loader import load_yaml

    try:
        edited = apply_edits(template.text, [proposal.edit for proposal in proposals])
    except ValueError:
        return False
    try:
        data, problems = (load_json if template.syntax == "json" else load_yaml)(edited)
    except (TemplateError, RecursionError):
        return False
    if len(problems) != len(template.problems):
        return False
    return _equal_except(template.data, data, [(proposal.path, proposal.expected) for proposal in proposals])


def _equal_except(old: Any, new: Any, targets: Sequence[tuple[tuple[str | int, ...], Any]]) -> bool:
    """`new` equals `old` but at each target's path, where it holds the target's expected value."""
    if any(not path for path, _ in targets):
        return len(targets) == 1 and _same(new, targets[0][1])
    steps: dict[str | int, list[tuple[tuple[str | int, ...], Any]]] = {}
    for path, expected in targets:
        steps.setdefault(path[0], []).append((path[1:], expected))
    if isinstance(old, dict) and isinstance(new, dict):
        added = {step for step, inner in steps.items() if step not in old and any(not rest for rest, _ in inner)}
        if new.keys() != old.keys() | added or any(step not in new for step in steps):
            return False
        return all(_same(new[key], old[key]) for key in old if key not in steps) and all(
            _equal_except(old.get(step), new[step], inner) for step, inner in steps.items())
    if isinstance(old, list) and isinstance(new, list):
        items = {step: inner for step, inner in steps.items() if isinstance(step, int)}
        if len(items) != len(steps) or len(old) != len(new) or not all(0 <= step < len(old) for step in items):
            return False
        return all(_same(a, b) for index, (a, b) in enumerate(zip(old, new, strict=True)) if index not in items) and \
            all(_equal_except(old[step], new[step], inner) for step, inner in items.items())
    return False
