"""Safe, comment-keeping YAML input and output for multi-document files.

Files are split into documents on ``---`` lines the way EKS Anywhere splits them (a ``---`` line followed by
anything but a comment is an invalid separator), each document is parsed with ruamel.yaml's round-trip loader
(which builds plain maps, lists and scalars, never arbitrary Python objects) and guarded against oversized files,
alias bombs and recursive aliases. Dumping merges changed data back into the loaded maps, so comments, key
order and quoting survive; an unchanged document is written back byte for byte.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml as _pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, ComposerError, MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from .errors import ErrorCode, SpecError

__all__ = [
    "LIMIT_ENV",
    "MAX_DEPTH",
    "MAX_DOCUMENTS",
    "MAX_EXPANDED_NODES",
    "MAX_FILE_BYTES",
    "Document",
    "YamlLimits",
    "decode_text",
    "dump_documents",
    "dump_plain_all",
    "load_documents",
    "merge_data",
    "read_documents",
    "read_text",
    "safe_load",
    "to_plain",
    "write_text_keeping_backup",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest input file accepted by default, in bytes (see :class:`YamlLimits`)."""

MAX_EXPANDED_NODES = 100_000
"""Largest number of YAML nodes a file may hold by default, aliases counted as what they expand to."""

MAX_DEPTH = 100
"""Deepest nesting of maps and lists accepted by default."""

MAX_DOCUMENTS = 1000
"""Most documents a file may hold by default."""

_SEPARATOR = re.compile(r"^---([^\n]*)$", re.MULTILINE)
# EKS-A quotes a bare ``kubernetesVersion: 1.30`` so that it stays a string and keeps its trailing zero.
_BARE_K8S_VERSION = re.compile(r"^(\s*kubernetesVersion:[ \t]*)(\d+\.\d+)([ \t]*(?:#.*)?)$", re.MULTILINE)


@attrs.frozen
class YamlLimits:
    """Bounds on what one YAML input may cost, checked while it is parsed, before any Python data is built.

    ``max_bytes`` bounds the text, ``max_documents`` the ``---``-separated documents, ``max_nodes`` the maps, lists
    and scalars of the whole file (an alias counts as the nodes it expands to, so alias bombs are refused as
    well), ``max_depth`` the nesting of maps and lists. Each can be raised with an environment variable
    (:data:`LIMIT_ENV`) or by passing a ``YamlLimits`` to :func:`load_documents`.
    """

    max_bytes: int = MAX_FILE_BYTES
    max_nodes: int = MAX_EXPANDED_NODES
    max_depth: int = MAX_DEPTH
    max_documents: int = MAX_DOCUMENTS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> YamlLimits:
        """The defaults, each replaced by its environment variable (:data:`LIMIT_ENV`) when set."""
        env = os.environ if env is None else env
        values: dict[str, int] = {}
        for field, variable in LIMIT_ENV.items():
            raw = env.get(variable)
            if raw is None or not raw.strip():
                continue
            try:
                value = int(raw.strip())
            except ValueError:
                value = 0
            if value <= 0:
                raise SpecError(f"the environment variable {variable}={raw!r} is not a positive whole number",
                                code=ErrorCode.LIMIT)
            values[field] = value
        return cls(**values)


LIMIT_ENV: dict[str, str] = {
    "max_bytes": "EKSA_YAML_MAX_BYTES",
    "max_nodes": "EKSA_YAML_MAX_NODES",
    "max_depth": "EKSA_YAML_MAX_DEPTH",
    "max_documents": "EKSA_YAML_MAX_DOCUMENTS",
}
"""The environment variable that raises (or lowers) each :class:`YamlLimits` field."""


def _how_to_raise(field: str, value: int) -> str:
    return (f"the {field} limit is {value}; raise it with the environment variable {LIMIT_ENV[field]}=<n> "
            f"or YamlLimits({field}=...)")


def _limit_error(what: str, field: str, value: int, *, code: str = ErrorCode.LIMIT, file: str | None = None,
                 document: int | None = None, line: int | None = None) -> SpecError:
    return SpecError(f"{what}; refused before reading it further ({_how_to_raise(field, value)})", code=code,
                     file=file, document=document, line=line)


NOT_KEPT: Any = type("NotKept", (), {"__repr__": lambda self: "NOT_KEPT"})()
"""``Document.plain`` of a document made without its parsed data."""


@attrs.define
class Document:
    """One document of a YAML file.

    ``data`` is what ruamel.yaml built (``CommentedMap`` for a mapping, ``None`` for an empty document),
    ``text`` the document's original text and ``first_line`` the 1-based line where that text starts.
    ``plain`` is the plain data ``text`` parses to (kept by :func:`load_documents`, so that
    :func:`dump_documents` can tell an unchanged document without parsing its text again).
    """

    index: int
    data: Any
    text: str
    first_line: int
    file: str | None = None
    plain: Any = attrs.field(default=NOT_KEPT, eq=False, repr=False, kw_only=True)

    @property
    def is_empty(self) -> bool:
        return self.data is None

    def first_line_of_content(self) -> int:
        """1-based line of the document's first line that is not blank or a comment."""
        for offset, line in enumerate(self.text.splitlines()):
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                return self.first_line + offset
        return self.first_line

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """1-based line of the deepest part of ``path`` found in this document (``None`` if unknown)."""
        node = self.data
        line: int | None = None
        for part in path:
            try:
                if isinstance(node, CommentedMap) and part in node:
                    line = node.lc.key(part)[0]
                    node = node[part]
                elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                    line = node.lc.item(part)[0]
                    node = node[part]
                else:
                    break
            except (KeyError, IndexError, TypeError, AttributeError):
                break
        if line is None:
            return None
        return self.first_line + line


class _LimitedComposer(Composer):
    """ruamel's composer, counting nodes (aliases as what they expand to) against the budget of the YAML object
    it belongs to, and refusing recursive aliases. The fast event scan (:func:`_scan`) normally refuses an
    oversized input first; this is the guard for inputs that scan could not read."""

    def compose_document(self: Any) -> Any:
        self._eksa_sizes: dict[int, int] = {}
        self.warn_double_anchors = False  # a reused anchor name is valid YAML (the later one wins)
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        loader: Any = self.loader
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._eksa_sizes:
                raise ComposerError(None, None, "recursive YAML alias: a node refers to itself", event.start_mark)
            loader._eksa_nodes += self._eksa_sizes.get(id(target), 1)
            loader._eksa_aliased = True
            self._eksa_check(loader, event)
            return super().compose_node(parent, index)
        loader._eksa_nodes += 1
        self._eksa_check(loader, event)
        before = loader._eksa_nodes
        node = super().compose_node(parent, index)
        self._eksa_sizes[id(node)] = loader._eksa_nodes - before + 1
        return node

    @staticmethod
    def _eksa_check(loader: Any, event: Any) -> None:
        if loader._eksa_nodes > loader._eksa_budget:
            raise _NodeLimit(event.start_mark.line if event.start_mark is not None else None, loader._eksa_aliased)


class _NodeLimit(Exception):
    def __init__(self, line: int | None, aliased: bool) -> None:
        super().__init__("node limit")
        self.line = line
        self.aliased = aliased


_BUILD_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError, RecursionError,
                 UnicodeError)


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, turning any failure to build a value (``!!int ""``, ``!!bool maybe``,
    a 5,000-digit integer, a list as a map key, ...) into a located YAML error instead of a Python exception."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except MarkedYAMLError:
            raise
        except _BUILD_ERRORS as exc:
            raise ConstructorError(None, None, _construct_problem(node, exc), node.start_mark) from None

    # maps, sets and lists are filled after their node is made (two-step construction): guard those steps too
    def construct_mapping(self, node: Any, maptyp: Any, deep: bool = False) -> Any:  # type: ignore[override]
        try:
            return super().construct_mapping(node, maptyp, deep)
        except MarkedYAMLError:
            raise
        except _BUILD_ERRORS as exc:
            raise ConstructorError(None, None, _construct_problem(node, exc), node.start_mark) from None

    def construct_setting(self, node: Any, typ: Any, deep: bool = False) -> Any:
        try:
            return super().construct_setting(node, typ, deep)
        except MarkedYAMLError:
            raise
        except _BUILD_ERRORS as exc:
            raise ConstructorError(None, None, _construct_problem(node, exc), node.start_mark) from None

    def construct_rt_sequence(self, node: Any, seqtyp: Any, deep: bool = False) -> Any:
        try:
            return super().construct_rt_sequence(node, seqtyp, deep)
        except MarkedYAMLError:
            raise
        except _BUILD_ERRORS as exc:
            raise ConstructorError(None, None, _construct_problem(node, exc), node.start_mark) from None


def _construct_problem(node: Any, exc: BaseException) -> str:
    tag = str(getattr(node, "tag", "") or "")
    short = "!!" + tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else (tag or "value")
    value = node.value if isinstance(getattr(node, "value", None), str) else None
    shown = f" {value[:40]!r}{'...' if len(value) > 40 else ''}" if value is not None else ""
    if isinstance(exc, TypeError) and "unhashable" in str(exc):
        return f"invalid map key in {short}: a key must be a scalar, not a map or a list"
    if isinstance(exc, ValueError | OverflowError) and str(exc):
        return f"cannot read {short}{shown}: {str(exc).split(chr(10))[0][:120]}"
    if isinstance(exc, RecursionError):
        return f"cannot read {short}: nested too deeply"
    return f"cannot read {short}{shown}: not a valid {short} value"


def _yaml(limits: YamlLimits | None = None, budget: int | None = None) -> YAML:
    yaml = YAML(typ="rt")
    yaml.Composer = _LimitedComposer
    yaml.Constructor = _Constructor
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=2, offset=0)
    limits = limits or YamlLimits()
    yaml.max_depth = limits.max_depth  # type: ignore[attr-defined]
    extra: Any = yaml
    extra._eksa_nodes = 0
    extra._eksa_budget = limits.max_nodes if budget is None else budget
    extra._eksa_aliased = False
    return yaml


def decode_text(raw: bytes, *, file: str | None = None, limit: int = MAX_FILE_BYTES) -> str:
    """Decode ``raw`` bytes as UTF-8 text (a byte-order mark is dropped), with a :class:`SpecError` naming the
    first bad byte, or the size limit, on failure."""
    shown = file or "the input"
    if len(raw) > limit:
        raise SpecError(f"{shown} is {len(raw)} bytes, more than the {limit} bytes eksa accepts "
                        f"({_how_to_raise('max_bytes', limit)})", code=ErrorCode.TOO_LARGE, file=file)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{shown} is not UTF-8 text (byte {exc.start})", code=ErrorCode.FILE, file=file) from None


def read_text(path: str | os.PathLike[str], *, limit: int | None = None) -> str:
    """Read a UTF-8 text file, refusing files over ``limit`` bytes (default: the ``max_bytes`` of
    :meth:`YamlLimits.from_env`), with a :class:`SpecError` on any problem."""
    if limit is None:
        limit = YamlLimits.from_env().max_bytes
    p = Path(path)
    shown = str(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise SpecError(f"the file {shown} does not exist", code=ErrorCode.FILE, file=shown) from None
    except OSError as exc:
        raise SpecError(f"cannot read {shown}: {exc.strerror}", code=ErrorCode.FILE, file=shown) from None
    if p.is_dir():
        raise SpecError(f"{shown} is a directory, not a file", code=ErrorCode.FILE, file=shown)
    if size > limit:
        raise SpecError(
            f"the file {shown} is {size} bytes, larger than the {limit} bytes eksa accepts "
            f"({_how_to_raise('max_bytes', limit)})",
            code=ErrorCode.TOO_LARGE,
            file=shown,
        )
    try:
        with p.open("rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise SpecError(f"cannot read {shown}: {exc.strerror}", code=ErrorCode.FILE, file=shown) from None
    return decode_text(raw, file=shown, limit=limit)


def _split(text: str, file: str | None, max_documents: int = MAX_DOCUMENTS) -> list[tuple[str, int]]:
    """Split ``text`` into ``(chunk, first_line)`` pairs on ``---`` separator lines (refusing more than
    ``max_documents`` of them as soon as that many are seen)."""
    chunks: list[tuple[str, int]] = []
    pos = 0
    line = 1  # the line where the current chunk starts
    for match in _SEPARATOR.finditer(text):
        number = line + text.count("\n", pos, match.start())
        rest = match.group(1).rstrip("\r")
        if rest.strip() and not rest.strip().startswith("#"):
            raise SpecError(
                f"invalid Yaml document separator: {rest}",
                code=ErrorCode.DOCUMENT_SEPARATOR,
                file=file,
                document=len(chunks),
                line=number,
            )
        chunks.append((text[pos:match.start()], line))
        if len(chunks) > max_documents:
            raise _limit_error(f"{file or 'the YAML text'} has more than {max_documents} documents",
                               "max_documents", max_documents, file=file, document=len(chunks), line=number)
        pos = match.end() + 1 if match.end() < len(text) else match.end()
        line = number + 1
    chunks.append((text[pos:], line))
    # A leading separator yields an empty first chunk holding nothing; keep it only when it has content.
    if chunks and not chunks[0][0].strip() and len(chunks) > 1:
        chunks = chunks[1:]
    if len(chunks) > max_documents:
        raise _limit_error(f"{file or 'the YAML text'} has more than {max_documents} documents", "max_documents",
                           max_documents, file=file, document=max_documents)
    return chunks


_EVENT_LOADER: Any = getattr(_pyyaml, "CBaseLoader", _pyyaml.BaseLoader)


def _scan(source: str, *, limits: YamlLimits, budget: int, file: str | None, document: int,
          first_line: int) -> int:
    """Count the nodes (aliases expanded) and the nesting of one document from its parser events, refusing it as
    soon as it goes over ``budget`` nodes or ``limits.max_depth`` levels. No Python data is built. Returns the
    nodes counted; an input the event parser cannot read is left to ruamel (whose composer counts too)."""
    loader = _EVENT_LOADER(source)
    total = 0
    aliased = False
    stack: list[tuple[int, str | None]] = []
    sizes: dict[str, int] = {}
    open_anchors: set[str] = set()
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, _pyyaml.ScalarEvent):
                total += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, _pyyaml.MappingStartEvent | _pyyaml.SequenceStartEvent):
                total += 1
                stack.append((total, event.anchor))
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
                if len(stack) > limits.max_depth:
                    raise _depth_error(limits, file=file, document=document, line=first_line + event.start_mark.line)
            elif isinstance(event, _pyyaml.MappingEndEvent | _pyyaml.SequenceEndEvent):
                start, anchor = stack.pop()
                if anchor is not None:
                    sizes[anchor] = total - start + 1
                    open_anchors.discard(anchor)
            elif isinstance(event, _pyyaml.AliasEvent):
                if event.anchor in open_anchors:
                    raise SpecError("recursive YAML alias: a node refers to itself", code=ErrorCode.ALIAS_LIMIT,
                                    file=file, document=document, line=first_line + event.start_mark.line)
                total += sizes.get(event.anchor, 1)
                aliased = True
            else:
                continue
            if total > budget:
                raise _node_limit_error(limits, aliased, file=file, document=document,
                                        line=first_line + event.start_mark.line)
    except _pyyaml.MarkedYAMLError as exc:
        # libyaml reads a whole flow collection ahead and stops at 1000 levels: deeper than any limit below that
        if "maximum nesting depth" in str(exc.problem) and limits.max_depth < _LIBYAML_MAX_DEPTH:
            mark = exc.problem_mark
            raise _depth_error(limits, file=file, document=document,
                               line=first_line + mark.line if mark is not None else None) from None
    except _pyyaml.YAMLError:
        pass  # not readable by the event parser: ruamel reports it (its composer counts nodes and depth too)
    finally:
        loader.dispose()
    return total


_LIBYAML_MAX_DEPTH = 1000


def _depth_error(limits: YamlLimits, *, file: str | None, document: int, line: int | None) -> SpecError:
    return _limit_error(f"{file or 'the YAML text'} nests maps and lists more than {limits.max_depth} levels deep",
                        "max_depth", limits.max_depth, file=file, document=document, line=line)


def _node_limit_error(limits: YamlLimits, aliased: bool, *, file: str | None, document: int,
                      line: int | None) -> SpecError:
    what = f"{file or 'the YAML text'} has more than {limits.max_nodes} YAML nodes"
    if aliased:
        what += " once its aliases are expanded (possible alias bomb)"
    return _limit_error(what, "max_nodes", limits.max_nodes, code=ErrorCode.ALIAS_LIMIT if aliased else
                        ErrorCode.LIMIT, file=file, document=document, line=line)


def load_documents(text: str, *, file: str | None = None, limits: YamlLimits | None = None) -> list[Document]:
    """Parse multi-document YAML ``text`` into :class:`Document` objects (empty documents included).

    Raises :class:`SpecError` for an invalid separator, a YAML syntax error or a value that cannot be read (with
    the file line), duplicate keys, or an input over ``limits`` (default :meth:`YamlLimits.from_env`): bytes and
    documents are counted first, then nodes and depth from the parser's events, before ruamel builds anything.
    """
    limits = limits or YamlLimits.from_env()
    if len(text) > limits.max_bytes or len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise _limit_error(f"{file or 'the YAML text'} is larger than {limits.max_bytes} bytes", "max_bytes",
                           limits.max_bytes, code=ErrorCode.TOO_LARGE, file=file)
    chunks = [(_BARE_K8S_VERSION.sub(lambda m: f'{m.group(1)}"{m.group(2)}"{m.group(3)}', chunk), chunk, first)
              for chunk, first in _split(text, file, limits.max_documents)]
    used = 0
    for index, (source, _chunk, first_line) in enumerate(chunks):
        used += _scan(source, limits=limits, budget=limits.max_nodes - used, file=file, document=index,
                      first_line=first_line)
    docs: list[Document] = []
    used = 0
    for index, (source, chunk, first_line) in enumerate(chunks):
        yaml = _yaml(limits, limits.max_nodes - used)
        try:
            try:
                data = yaml.load(source)
            except BaseException:
                _close_pending(yaml)
                raise
        except _NodeLimit as exc:
            raise _node_limit_error(limits, exc.aliased, file=file, document=index,
                                    line=first_line + exc.line if exc.line is not None else None) from None
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = first_line + mark.line if mark is not None else None
            problem = exc.problem or exc.context or "invalid YAML"
            if isinstance(exc, MaxDepthExceededError):
                raise _depth_error(limits, file=file, document=index, line=line) from None
            raise SpecError(
                f"unable to parse {file or 'YAML text'}: yaml: line {line}: {problem}",
                code=ErrorCode.YAML_SYNTAX,
                file=file,
                document=index,
                line=line,
            ) from None
        except YAMLError as exc:
            raise SpecError(f"unable to parse {file or 'YAML'}: {exc}", code=ErrorCode.YAML_SYNTAX, file=file,
                            document=index, line=first_line) from None
        except _BUILD_ERRORS as exc:
            # a value ruamel failed to finish building after its node was made (two-step construction)
            raise SpecError(f"unable to parse {file or 'YAML text'}: yaml: {_construct_problem(None, exc)}",
                            code=ErrorCode.YAML_SYNTAX, file=file, document=index, line=first_line) from None
        used += getattr(yaml, "_eksa_nodes", 0)
        try:
            plain = to_plain(data)
        except TypeError:  # a key that is a mapping or a list: dump_documents parses the text again instead
            plain = NOT_KEPT
        docs.append(Document(index=index, data=data, text=chunk, first_line=first_line, file=file, plain=plain))
    return docs


def _close_pending(yaml: YAML) -> None:
    """Close the half-run construction steps a failed load leaves behind (they would otherwise fail again, as
    "Exception ignored" noise on stderr, when they are garbage collected)."""
    constructor = getattr(yaml, "_constructor", None)
    for generator in getattr(constructor, "state_generators", None) or []:
        with contextlib.suppress(Exception):  # the load already failed with the error that matters
            generator.close()
    if constructor is not None:
        constructor.state_generators = []


def _check_expansion(data: Any, *, file: str | None, document: int) -> None:
    """Refuse already built ``data`` whose aliases expand to more than ``MAX_EXPANDED_NODES`` nodes, or recurse
    (for YAML read by other loaders; :func:`load_documents` counts while parsing)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise SpecError("recursive YAML alias: a node refers to itself", code=ErrorCode.ALIAS_LIMIT,
                            file=file, document=document)
        active.add(key)
        children = node.values() if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                break
        active.discard(key)
        sizes[key] = total
        return total

    if size(data) > MAX_EXPANDED_NODES:
        raise SpecError(
            f"the document expands to more than {MAX_EXPANDED_NODES} YAML nodes through aliases; "
            "refusing it (possible alias bomb)",
            code=ErrorCode.ALIAS_LIMIT,
            file=file,
            document=document,
        )


def read_documents(path: str | os.PathLike[str], *, limits: YamlLimits | None = None) -> list[Document]:
    """Read and parse a multi-document YAML file (see :func:`load_documents`)."""
    limits = limits or YamlLimits.from_env()
    return load_documents(read_text(path, limit=limits.max_bytes), file=str(path), limits=limits)


def safe_load(text: str, *, file: str | None = None) -> Any:
    """Parse a single-document YAML text into plain Python data (dict/list/str/int/float/bool/None)."""
    docs = [d for d in load_documents(text, file=file) if not d.is_empty]
    if len(docs) > 1:
        raise SpecError("expected one YAML document, found several", code=ErrorCode.YAML_SYNTAX, file=file)
    return to_plain(docs[0].data) if docs else None


def to_plain(data: Any) -> Any:
    """Turn ruamel's round-trip containers and scalars into plain dicts, lists, str, int, float, bool."""
    if isinstance(data, Mapping):
        return {_hashable(to_plain(k)): to_plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [to_plain(v) for v in data]
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, str):
        return str(data)
    if isinstance(data, int):
        return int(data)
    if isinstance(data, float):
        return float(data)
    return data


def _hashable(key: Any) -> Any:
    """A map key as plain data that can stay a key: a complex key (``? [a, b]``, ``? {a: 1}``) becomes a tuple."""
    if isinstance(key, dict):
        return tuple((_hashable(k), _hashable(v)) for k, v in key.items())
    if isinstance(key, list):
        return tuple(_hashable(v) for v in key)
    return key


def merge_data(original: Any, new: Any) -> Any:
    """Return ``new`` expressed on top of ``original``, reusing ``original``'s containers and scalars.

    Keys that stay keep their position, comments and quoting; removed keys go; new keys are appended.
    """
    if isinstance(original, CommentedMap) and isinstance(new, Mapping):
        for key in [k for k in original if k not in new]:
            del original[key]
        for key, value in new.items():
            original[key] = merge_data(original[key], value) if key in original else value
        return original
    if isinstance(original, CommentedSeq) and isinstance(new, list) and len(original) == len(new):
        for i, value in enumerate(new):
            original[i] = merge_data(original[i], value)
        return original
    if to_plain(original) == new and type(to_plain(original)) is type(new):
        return original
    return new


def dump_documents(documents: Iterable[Document | Any]) -> str:
    """Write documents as one multi-document YAML text.

    A :class:`Document` whose ``data`` still equals what was parsed from its ``text`` is written as that text;
    anything else is dumped by ruamel.yaml (comments kept where the data came from a loaded document).
    """
    out: list[str] = []
    yaml = _yaml()
    for doc in documents:
        if isinstance(doc, Document) and doc.plain is not NOT_KEPT:
            unchanged = doc.plain == to_plain(doc.data)
            text = doc.text if unchanged else _dump_one(yaml, doc.data)
        elif isinstance(doc, Document):
            try:
                reparsed = load_documents(doc.text)
                unchanged = len(reparsed) == 1 and to_plain(reparsed[0].data) == to_plain(doc.data)
            except SpecError:
                unchanged = False
            if unchanged:
                text = doc.text
            else:
                text = _dump_one(yaml, doc.data)
        else:
            text = _dump_one(yaml, doc)
        if text and not text.endswith("\n"):
            text += "\n"
        out.append(text)
    return "---\n".join(out)


def dump_plain_all(documents: Iterable[Any]) -> str:
    """Plain data (dicts, lists, scalars: generated manifests, plans) as a multi-document YAML text, keys in their
    order, with PyYAML's libyaml emitter where available (several times faster than a pure-Python one). For
    output nobody wrote by hand; the user's own files go through :func:`dump_documents`, which keeps comments."""
    buf = io.StringIO()
    dumper = _plain_dumper()(buf, default_flow_style=False, sort_keys=False)
    try:
        dumper.open()
        for data in documents:
            dumper.represent(data)
        dumper.close()
    finally:
        dumper.dispose()
    return buf.getvalue()


_PLAIN_DUMPER: Any = None


def _plain_dumper() -> Any:
    """PyYAML's safe dumper (libyaml's emitter where available) with the two pure-Python steps that dominate
    dumping plain data made cheap, the output unchanged: scalar tag resolution is remembered per value (the same
    keys and values recur across manifests; resolving is a pure function of the value), and dicts, lists, strings,
    integers, booleans and ``None`` are represented by one direct function instead of a lookup per node (anything
    else, floats included, goes through SafeRepresenter as before). Repeated containers still become YAML aliases,
    as SafeRepresenter makes them."""
    global _PLAIN_DUMPER
    if _PLAIN_DUMPER is not None:
        return _PLAIN_DUMPER
    base: Any = getattr(_pyyaml, "CSafeDumper", _pyyaml.SafeDumper)
    nodes = _pyyaml.nodes
    str_tag, int_tag, bool_tag, null_tag = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null"))
    map_tag, seq_tag = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"

    class PlainDumper(base):  # type: ignore[misc, valid-type]
        _resolved: dict[tuple[Any, ...], str] = {}

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is not nodes.ScalarNode:
                return str(super().resolve(kind, value, implicit))
            key = (value, implicit)
            tag = self._resolved.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._resolved) < 50_000:
                    self._resolved[key] = tag
            return tag

        def represent_data(self, data: Any) -> Any:
            cls = type(data)
            if cls is str:
                return nodes.ScalarNode(str_tag, data, style=self.default_style)
            if cls is bool:
                return nodes.ScalarNode(bool_tag, "true" if data else "false", style=self.default_style)
            if cls is int:
                return nodes.ScalarNode(int_tag, str(data), style=self.default_style)
            if data is None:
                return nodes.ScalarNode(null_tag, "null", style=self.default_style)
            if cls is dict or cls is list:
                key = id(data)
                if key in self.represented_objects:
                    return self.represented_objects[key]
                self.object_keeper.append(data)
                if cls is dict:
                    value: list[Any] = []
                    node: Any = nodes.MappingNode(map_tag, value, flow_style=None)
                    self.represented_objects[key] = node
                    best = True
                    for k, v in data.items():
                        nk = self.represent_data(k)
                        nv = self.represent_data(v)
                        if best and not (type(nk) is nodes.ScalarNode and not nk.style and
                                         type(nv) is nodes.ScalarNode and not nv.style):
                            best = False
                        value.append((nk, nv))
                else:
                    value = []
                    node = nodes.SequenceNode(seq_tag, value, flow_style=None)
                    self.represented_objects[key] = node
                    best = True
                    for item in data:
                        ni = self.represent_data(item)
                        if best and not (type(ni) is nodes.ScalarNode and not ni.style):
                            best = False
                        value.append(ni)
                node.flow_style = best if self.default_flow_style is None else self.default_flow_style
                return node
            return super().represent_data(data)

    _PLAIN_DUMPER = PlainDumper
    return PlainDumper


def _dump_one(yaml: YAML, data: Any) -> str:
    if data is None:
        return ""
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def write_text_keeping_backup(path: str | os.PathLike[str], text: str) -> Path | None:
    """Write ``text`` to ``path`` atomically (keeping the file's mode, never following a symlink); an existing,
    different file is first kept as ``<path>.bak``.

    Returns the backup path when one was made. Nothing the user wrote is silently overwritten.
    """
    from .files import write_file_atomic

    return write_file_atomic(path, text, mode=None, keep_backup=True)
