"""Read one YAML 1.2 file into plain data, remembering the line of every value, within safe limits.

Parsing is most of the time a questionnaire takes to load. ruamel's C parser (ruamel.yaml.clib, libyaml)
reads a text about thirty times faster than its pure-Python one but knows only YAML 1.1 syntax; so a text
is read with it first, and with the pure YAML 1.2 parser whenever the C parser refuses it or it holds what
the two read differently (directives, and NEL, LS and PS, line breaks in 1.1 only). Both feed the same
composer, limits and resolver (YAML 1.2 types), so a text either parser reads gives the same data and lines
(tests/test_questionnaire_yaml_parsers.py).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    ScalarEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.parser import Parser

from questionnaires.errors import Problem, QuestionnaireError

try:
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover - ruamel.yaml.clib is a pinned requirement; without it, pure Python
    _CParser = None

MAX_BYTES = 2_000_000
MAX_DEPTH = 32
MAX_ALIASES = 100
MAX_NODES = 200_000
_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")}

_STR_TAG = "tag:yaml.org,2002:str"

Path = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each value of a loaded document came from (file name and 1-based line)."""

    file: str
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: Path) -> int | None:
        """Return the line of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def dotted(path: Path) -> str:
    """Render a path such as ('questions', 3, 'levels', 2) as questions.3.levels.2."""
    return ".".join(str(part) for part in path)


def read_yaml(raw: bytes, file: str) -> tuple[Any, SourceMap]:
    """Parse `raw` as one YAML 1.2 document; unreadable input raises QuestionnaireError with file:line."""
    source = SourceMap(file)

    def fail(message: str, line: int | None = None, path: Path = ()) -> QuestionnaireError:
        return QuestionnaireError([Problem(dotted(path), file, line, message)])

    if len(raw) > MAX_BYTES:
        raise fail(f"the file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}. Split it into a folder of files.")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail(
            f"this is not UTF-8 text (byte {exc.start} cannot be decoded); save the file as UTF-8 YAML.", line
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise fail("the file contains a NUL byte, so it is binary, not YAML text; choose the .yaml file.", line)
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise fail("the file is empty; a questionnaire needs id, version, title, levels, domains and questions.")

    if c_parser_reads(text):
        try:
            return _read_text(text, source, fail, fast=True)
        except QuestionnaireError:
            raise
        except Exception:  # anything the C parser refuses is read again by the YAML 1.2 parser
            source = SourceMap(file)
    return _read_text(text, source, fail, fast=False)


def c_parser_reads(text: str) -> bool:
    """Whether the C parser may read `text`: it is there, and the text holds nothing it reads as YAML 1.1."""
    if _CParser is None or any(char in text for char in "\x85\u2028\u2029"):
        return False
    return not (text.startswith("%") or "\n%" in text or "\r%" in text)


def _read_text(text: str, source: SourceMap, fail: Any, *, fast: bool) -> tuple[Any, SourceMap]:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    yaml.Parser = _CEventParser if fast else _ShapeCheckingParser
    yaml.parser.shape = _Shape(fail)
    if fast:
        yaml.parser.text = text
    try:
        with warnings.catch_warnings():
            # A reused anchor name is legal YAML; the composer's warning would only be noise.
            warnings.simplefilter("ignore")
            node = yaml.compose(io.StringIO(text))
    except QuestionnaireError:
        raise
    except MarkedYAMLError as exc:
        if fast:
            raise
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        raise fail(f"this is not valid YAML ({what}); check the indentation and quoting near here.", line) from None
    except (YAMLError, ValueError, UnicodeError, RecursionError) as exc:
        if fast:
            raise
        raise fail(f"this is not valid YAML ({type(exc).__name__}); check the file is a YAML document.") from None
    if node is None:
        raise fail("the file is empty; a questionnaire needs id, version, title, levels, domains and questions.")
    # Problems with single keys or values are kept in `source.problems`, so that the loader can
    # report them together with everything else that is wrong.
    data = _to_plain(yaml, node, (), source, source.problems, [MAX_NODES], set())
    return data, source


class _Shape:
    """Refuse deep nesting, many aliases and alias expansion bombs, one parser event at a time.

    The composer is fed only events that passed, so nothing over the limits is ever built, and the
    document is scanned once (scanning is most of the time it takes to load a questionnaire).
    """

    def __init__(self, fail: Any) -> None:
        self.fail = fail
        self.depth = 0
        self.aliases = 0
        self.sizes: dict[str, int] = {}
        self.stack: list[list[Any]] = []  # per open collection: [anchor, size so far]

    def see(self, event: Any) -> None:
        """Count `event` against the limits; raise QuestionnaireError when one is passed."""
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, CollectionStartEvent):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"the document nests deeper than {MAX_DEPTH} levels; flatten it.", line)
            self.stack.append([event.anchor, 1])
            return
        if isinstance(event, CollectionEndEvent):
            self.depth -= 1
            anchor, size = self.stack.pop()
            if anchor is not None:
                self.sizes[anchor] = size
            _grow(self.stack, size, line, self.fail)
            return
        if isinstance(event, AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise self.fail(
                    f"the document uses more than {MAX_ALIASES} aliases (*name); write the values out.", line
                )
            size = self.sizes.get(event.anchor, 1)
        elif isinstance(event, ScalarEvent):
            size = 1
            if event.anchor is not None:
                self.sizes[event.anchor] = 1
        else:
            return
        _grow(self.stack, size, line, self.fail)


class _ShapeCheckingParser(Parser):  # type: ignore[misc]
    """ruamel's parser, handing every event to a _Shape before the composer gets it."""

    shape: _Shape | None = None

    def get_event(self) -> Any:
        event = super().get_event()
        if self.shape is not None and event is not None:
            self.shape.see(event)
        return event


class _CEventParser:
    """The C parser's events, each handed to a _Shape before ruamel's composer gets it (as _ShapeCheckingParser)."""

    def __init__(self, loader: Any = None) -> None:
        self.loader = loader
        self.shape: _Shape | None = None
        self.text = ""
        self._events: Any = None
        self._next: Any = None

    def peek_event(self) -> Any:
        if self._next is None:
            if self._events is None:
                self._events = _CParser(self.text)
            self._next = self._events.get_event()
            if self.shape is not None and self._next is not None:
                self.shape.see(self._next)
        return self._next

    def check_event(self, *choices: Any) -> bool:
        event = self.peek_event()
        return event is not None and (not choices or isinstance(event, choices))

    def get_event(self) -> Any:
        event = self.peek_event()
        self._next = None
        return event

    def dispose(self) -> None:
        self._events = None


def _grow(stack: list[list[Any]], size: int, line: int | None, fail: Any) -> None:
    if not stack:
        return
    stack[-1][1] += size
    if stack[-1][1] > MAX_NODES:
        raise fail(
            f"aliases (*name) expand this document beyond {MAX_NODES:,} values; write the values out instead.",
            line,
        )


def _to_plain(
    yaml: YAML,
    node: Node,
    path: Path,
    source: SourceMap,
    problems: list[Problem],
    budget: list[int],
    open_nodes: set[int],
) -> Any:
    """Turn a composed node into plain dicts, lists and scalars, recording lines and key problems."""
    budget[0] -= 1
    if budget[0] < 0:
        raise QuestionnaireError(
            [Problem(dotted(path), source.file, node.start_mark.line + 1, "the document has too many values.")]
        )
    line = node.start_mark.line + 1
    source.lines.setdefault(path, line)
    if node.tag not in _PLAIN_TAGS:
        problems.append(Problem(dotted(path), source.file, line, f"the tag {node.tag} is not allowed; remove it."))
        return None
    if id(node) in open_nodes:
        problems.append(Problem(dotted(path), source.file, line, "an alias refers to its own anchor; write it out."))
        return None
    if isinstance(node, ScalarNode):
        if node.tag == _STR_TAG:
            return node.value  # what the constructor would return, without its bookkeeping per value
        try:
            return yaml.constructor.construct_object(node, deep=True)
        except (YAMLError, ValueError, TypeError) as exc:
            problems.append(
                Problem(dotted(path), source.file, node.start_mark.line + 1, f"this value cannot be read ({exc}).")
            )
            return None
    open_nodes.add(id(node))
    try:
        return _collection(yaml, node, path, source, problems, budget, open_nodes)
    finally:
        open_nodes.discard(id(node))


def _collection(
    yaml: YAML,
    node: Node,
    path: Path,
    source: SourceMap,
    problems: list[Problem],
    budget: list[int],
    open_nodes: set[int],
) -> Any:
    if isinstance(node, SequenceNode):
        return [
            _to_plain(yaml, item, (*path, i), source, problems, budget, open_nodes) for i, item in enumerate(node.value)
        ]
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    Problem(
                        dotted(path), source.file, line, "keys must be plain names; remove the complex or merge key."
                    )
                )
                continue
            key = _to_plain(yaml, key_node, (*path, "?"), source, problems, budget, open_nodes)
            if not isinstance(key, str | int) or isinstance(key, bool):
                problems.append(Problem(dotted(path), source.file, line, f"the key {key_node.value!r} is not a name."))
                continue
            if key in result:
                first = source.lines.get((*path, key))
                problems.append(
                    Problem(
                        dotted((*path, key)),
                        source.file,
                        line,
                        f"duplicate key '{key}' (first given at line {first}); keep one of them.",
                    )
                )
                continue
            source.lines[(*path, key)] = line
            result[key] = _to_plain(yaml, value_node, (*path, key), source, problems, budget, open_nodes)
        source.lines.pop((*path, "?"), None)
        return result
    problems.append(Problem(dotted(path), source.file, node.start_mark.line + 1, "unsupported YAML node."))
    return None
