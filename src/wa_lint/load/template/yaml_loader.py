"""YAML templates into position-carrying nodes, with CloudFormation short-form tags in long form.

We compose the YAML node graph with PyYAML (libyaml when present) and convert it ourselves, so no
tag can ever construct a Python object, duplicate keys are seen, and alias expansion is bounded.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml
from yaml import MappingNode, ScalarNode, SequenceNode

from wa_lint.load.template.errors import TemplateError
from wa_lint.load.template.nodes import (
    BARE_SCALARS,
    NO_SPANS,
    DictNode,
    ListNode,
    Pos,
    StrNode,
    pos_from_tuple,
    str_node,
)

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyPI wheels ship libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# Values reachable through aliases are copied into every place that names them; a "billion laughs"
# document would expand without bound, so its expanded size is measured on the graph first.
MAX_EXPANDED_VALUES = 500_000
# libyaml's composer recurses in C; flow nesting this deep is never a real template.
MAX_NESTING = 400

_SHORT_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
}
_FN_TAGS = ["And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "If", "ImportValue", "Join", "Not", "Or", "Select", "Split", "Sub", "Transform", "Length", "ToJsonString", "ForEach"]
for _name in _FN_TAGS:
    _SHORT_TAGS[f"!{_name}"] = f"Fn::{_name}"

_STD = "tag:yaml.org,2002:"
_STR = _STD + "str"
_NULL = _STD + "null"
_MERGE = _STD + "merge"
# Plain scalars with these tags become numbers, booleans and None, through PyYAML's safe constructors.
_CONSTRUCTORS = {tag: _Loader.yaml_constructors[tag] for tag in (_STD + "int", _STD + "float", _STD + "bool", _NULL)}
# One `-` spelled out first gives the regex engine a literal to skip to (25x faster on templates).
_BLOCK_SEQ_RUN = re.compile(rf"-[ \t]+(?:-[ \t]+){{{MAX_NESTING - 1}}}")
_BRACKET = re.compile(r"[\[\]{}]")
_BLOCK_STYLES = ("|", ">")


class Problem:
    """A non-fatal issue found while loading (duplicate keys)."""

    def __init__(self, message: str, pos: Pos) -> None:
        self.message = message
        self.pos = pos


def _check_nesting(text: str) -> None:
    if text.count("[") + text.count("{") > MAX_NESTING:
        depth = 0
        for match in _BRACKET.finditer(text):
            depth += 1 if match.group() in "[{" else -1
            if depth > MAX_NESTING:
                line = text.count("\n", 0, match.start()) + 1
                raise TemplateError(f"nesting deeper than {MAX_NESTING} levels; not read", line)
    run = _BLOCK_SEQ_RUN.search(text)
    if run:
        raise TemplateError(
            f"nesting deeper than {MAX_NESTING} levels; not read", text.count("\n", 0, run.start()) + 1
        )


def _pos(node: yaml.Node) -> Pos:
    start, end = node.start_mark, node.end_mark
    return pos_from_tuple((start.line + 1, start.column + 1, end.line + 1, end.column + 1, start.index, end.index))


def _block_scalar_pos(node: yaml.Node, text: str) -> Pos:
    """A block scalar's mark runs on over the blank lines after it, to the next token: end the span
    at the end of its last non-blank line instead (trailing spaces on that line kept)."""
    start, end = node.start_mark, node.end_mark
    last = start.index + len(text[start.index : end.index].rstrip())
    stop = text.find("\n", last, end.index)
    stop = end.index if stop == -1 else stop
    if stop > last and text[stop - 1] == "\r":
        stop -= 1
    line = end.line + 1 - text.count("\n", stop, end.index)
    column = stop - (text.rfind("\n", 0, stop) + 1) + 1
    return pos_from_tuple((start.line + 1, start.column + 1, line, column, start.index, stop))


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Values the node becomes once aliases are copied; linear in the graph thanks to the memo."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    elif isinstance(node, SequenceNode):
        size += sum(_expanded_size(child, sizes) for child in node.value)
    sizes[id(node)] = size = min(size, MAX_EXPANDED_VALUES + 1)
    return size


class _Converter:
    def __init__(self, loader: Any, text: str) -> None:
        self.loader = loader
        self.text = text
        self.problems: list[Problem] = []
        # The document's values counted as a tree (the root and every entry below it): without
        # anchors the graph is a tree, and this is the count `_expanded_size` would make.
        self.values = 1

    def convert(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag in _SHORT_TAGS:
            return self._short_form(node, _SHORT_TAGS[tag])
        if isinstance(node, ScalarNode):
            if tag == _STR:
                if node.style in _BLOCK_STYLES:
                    return str_node(node.value, _block_scalar_pos(node, self.text))
                return str_node(node.value, _pos(node))
            return self._scalar(node)
        if isinstance(node, MappingNode):
            return self._mapping(node)
        return self._sequence(node)

    def _scalar(self, node: yaml.Node) -> Any:
        constructor = _CONSTRUCTORS.get(node.tag)
        if constructor is not None:
            try:
                return constructor(self.loader, node)
            except (yaml.YAMLError, ValueError, OverflowError, KeyError):
                # A tag that does not fit its text (`!!int 0xZZ`; `!!bool maybe` raises KeyError).
                pass
        # Timestamps, binary and unknown tags stay text: a template is data, never objects.
        return str_node(str(node.value), self._scalar_pos(node))

    def _scalar_pos(self, node: yaml.Node) -> Pos:
        style = node.style if isinstance(node, ScalarNode) else None
        return _block_scalar_pos(node, self.text) if style in _BLOCK_STYLES else _pos(node)

    def _sequence(self, node: yaml.Node) -> ListNode:
        children = node.value
        self.values += len(children)
        result = list.__new__(ListNode)  # ListNode(pos=...) without its Python-level `__init__`
        result.pos = _pos(node)
        result.value_spans = NO_SPANS
        append, convert = result.append, self.convert
        bare: dict[int, Pos] | None = None  # result.value_spans, once there is one
        for index, child in enumerate(children):
            # Plain text, the commonest item, without the calls to `convert` and `_pos`.
            if child.tag == _STR and child.__class__ is ScalarNode and child.style not in _BLOCK_STYLES:
                first, last = child.start_mark, child.end_mark
                text = str.__new__(StrNode, child.value)
                text.__dict__ = {"pos": pos_from_tuple((first.line + 1, first.column + 1, last.line + 1,
                                                        last.column + 1, first.index, last.index))}
                append(text)
                continue
            value = convert(child)
            if value.__class__ in BARE_SCALARS:
                if bare is None:
                    bare = result.value_spans = {}
                bare[index] = _pos(child)
            append(value)
        return result

    def _short_form(self, node: yaml.Node, name: str) -> DictNode:
        pos = _pos(node)
        if name == "Fn::GetAtt" and isinstance(node, ScalarNode):
            resource, _, attribute = str(node.value).partition(".")
            value: Any = ListNode([StrNode(resource, pos), StrNode(attribute, pos)], pos=pos)
        elif isinstance(node, ScalarNode):
            value = StrNode(str(node.value), pos)
        else:
            value = self.convert(_untagged(node))
        result = DictNode({name: value}, pos=pos)
        result.key_spans[name] = pos
        return result

    def _mapping(self, node: yaml.MappingNode) -> DictNode:
        pairs = node.value
        self.values += 2 * len(pairs)
        # DictNode(pos=...) without its Python-level `__init__` (one per mapping).
        result = dict.__new__(DictNode)
        result.pos = _pos(node)
        result.value_spans = NO_SPANS
        spans = result.key_spans = {}
        intern = sys.intern
        convert = self.convert
        bare: dict[str, Pos] | None = None  # result.value_spans, once there is one
        # Keys that came from `<<:` merges: an explicit key replaces one whatever their order, as YAML's
        # merge semantics say, and is no duplicate.
        merged_keys: set[str] | None = None
        for key_node, value_node in pairs:
            key_tag = key_node.tag
            if key_tag == _MERGE:
                merged = convert(value_node)
                merged_keys = merged_keys or set()
                if bare is None:
                    bare = result.value_spans = {}
                for source in merged if isinstance(merged, list) else [merged]:
                    if isinstance(source, DictNode):
                        for key, value in source.items():
                            if key not in result:
                                result[key] = value
                                spans[key] = source.key_pos(key)
                                if key in source.value_spans:
                                    bare[key] = source.value_spans[key]
                                merged_keys.add(key)
                continue
            if not isinstance(key_node, ScalarNode):
                # Neither side is converted, but their values count towards the document's size all the same.
                self.values += _expanded_size(key_node, {}) + _expanded_size(value_node, {}) - 2
                self.problems.append(Problem("a mapping key must be text, not a list or mapping; entry ignored",
                                             _pos(key_node)))
                continue
            # `_pos` and `str_node` spelled out here and below: this runs for every entry of every mapping.
            first, last = key_node.start_mark, key_node.end_mark
            key_pos = pos_from_tuple((first.line + 1, first.column + 1, last.line + 1, last.column + 1,
                                      first.index, last.index))
            # Keys keep their text as written (`true`, `0x1F`); only YAML's null spellings are one key.
            # A key is plain text, shared by every mapping that has it (`Type`, `Properties`, ...): its
            # position is in `key_spans`, and a node per key was a third of a template's memory.
            key = intern("null" if key_tag == _NULL else key_node.value)
            if key in result:
                if merged_keys and key in merged_keys:
                    merged_keys.discard(key)
                else:
                    self.problems.append(Problem(
                        f"duplicate key '{key}' (first at line {spans[key].line}); the last one wins", key_pos))
                if bare:
                    bare.pop(key, None)
            spans[key] = key_pos
            # Plain text, the commonest value, without the call to `convert`.
            if value_node.tag == _STR and value_node.__class__ is ScalarNode and value_node.style not in _BLOCK_STYLES:
                first, last = value_node.start_mark, value_node.end_mark
                text = result[key] = str.__new__(StrNode, value_node.value)
                text.__dict__ = {"pos": pos_from_tuple((first.line + 1, first.column + 1, last.line + 1,
                                                        last.column + 1, first.index, last.index))}
                continue
            value = result[key] = convert(value_node)
            if value.__class__ in BARE_SCALARS:
                if bare is None:
                    bare = result.value_spans = {}
                bare[key] = _pos(value_node)
        return result


def _untagged(node: yaml.Node) -> yaml.Node:
    if isinstance(node, MappingNode):
        return MappingNode(_STD + "map", node.value, node.start_mark, node.end_mark)
    if isinstance(node, SequenceNode):
        return SequenceNode(_STD + "seq", node.value, node.start_mark, node.end_mark)
    return node


def _too_many_values() -> TemplateError:
    return TemplateError(
        f"document expands to more than {MAX_EXPANDED_VALUES:,} values through YAML aliases; not read"
    )


def load_yaml(text: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document; raise TemplateError with a position when it cannot be read."""
    _check_nesting(text)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, []
        # Only an anchor makes aliases, which can make the graph expand; without one (no `&` in the
        # text) the graph is a tree whose size the conversion counts as it goes.
        anchored = "&" in text
        if anchored and _expanded_size(root, {}) > MAX_EXPANDED_VALUES:
            raise _too_many_values()
        converter = _Converter(loader, text)
        data = converter.convert(root)
        if not anchored and converter.values > MAX_EXPANDED_VALUES:
            raise _too_many_values()
        return data, converter.problems
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = " ".join(part for part in (error.context, error.problem) if part)
        if "nesting depth" in reason:
            # PyYAML 6.0.4's libyaml has a depth limit of its own: the same verdict as ours, in our words.
            raise TemplateError("nesting too deep to read", line, column) from None
        raise TemplateError(f"invalid YAML: {reason}", line, column) from None
    except yaml.YAMLError as error:
        raise TemplateError(f"invalid YAML: {error}") from None
    except RecursionError:
        raise TemplateError("nesting too deep to read") from None
    finally:
        loader.dispose()
