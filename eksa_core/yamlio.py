"""Safe, comment-keeping YAML input and output for multi-document files.

Files are split into documents on ``---`` lines the way EKS Anywhere splits them (a ``---`` line followed by
anything but a comment is an invalid separator), each document is parsed with ruamel.yaml's round-trip loader
(which builds plain maps, lists and scalars, never arbitrary Python objects) and guarded against oversized files,
alias bombs and recursive aliases. Dumping merges changed data back into the loaded maps, so comments, key
order and quoting survive; an unchanged document is written back byte for byte.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import ErrorCode, SpecError

__all__ = [
    "MAX_EXPANDED_NODES",
    "MAX_FILE_BYTES",
    "Document",
    "dump_documents",
    "load_documents",
    "merge_data",
    "read_documents",
    "read_text",
    "safe_load",
    "to_plain",
    "write_text_keeping_backup",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest input file accepted, in bytes."""

MAX_EXPANDED_NODES = 200_000
"""Largest number of YAML nodes one document may expand to once aliases are followed."""

_SEPARATOR = re.compile(r"^---(.*)$")
# EKS-A quotes a bare ``kubernetesVersion: 1.30`` so that it stays a string and keeps its trailing zero.
_BARE_K8S_VERSION = re.compile(r"^(\s*kubernetesVersion:[ \t]*)(\d+\.\d+)([ \t]*(?:#.*)?)$", re.MULTILINE)


@attrs.define
class Document:
    """One document of a YAML file.

    ``data`` is what ruamel.yaml built (``CommentedMap`` for a mapping, ``None`` for an empty document),
    ``text`` the document's original text and ``first_line`` the 1-based line where that text starts.
    """

    index: int
    data: Any
    text: str
    first_line: int
    file: str | None = None

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


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def read_text(path: str | os.PathLike[str], *, limit: int = MAX_FILE_BYTES) -> str:
    """Read a UTF-8 text file, refusing files over ``limit`` bytes, with a :class:`SpecError` on any problem."""
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
            f"the file {shown} is {size} bytes, larger than the {limit} bytes eksa accepts",
            code=ErrorCode.TOO_LARGE,
            file=shown,
        )
    try:
        with p.open("rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise SpecError(f"cannot read {shown}: {exc.strerror}", code=ErrorCode.FILE, file=shown) from None
    if len(raw) > limit:
        raise SpecError(f"the file {shown} is larger than the {limit} bytes eksa accepts", code=ErrorCode.TOO_LARGE,
                        file=shown)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"the file {shown} is not UTF-8 text (byte {exc.start})", code=ErrorCode.FILE,
                        file=shown) from None


def _split(text: str, file: str | None) -> list[tuple[str, int]]:
    """Split ``text`` into ``(chunk, first_line)`` pairs on ``---`` separator lines."""
    chunks: list[tuple[str, int]] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        match = _SEPARATOR.match(line.rstrip("\r\n"))
        if match:
            rest = match.group(1)
            if rest.strip() and not rest.strip().startswith("#"):
                raise SpecError(
                    f"invalid Yaml document separator: {rest}",
                    code=ErrorCode.DOCUMENT_SEPARATOR,
                    file=file,
                    document=len(chunks),
                    line=number,
                )
            chunks.append(("".join(current), start))
            current = []
            start = number + 1
            continue
        current.append(line)
    chunks.append(("".join(current), start))
    # A leading separator yields an empty first chunk holding nothing; keep it only when it has content.
    if chunks and not chunks[0][0].strip() and len(chunks) > 1:
        chunks = chunks[1:]
    return chunks


def _check_expansion(data: Any, *, file: str | None, document: int) -> None:
    """Refuse documents whose aliases expand to more than ``MAX_EXPANDED_NODES`` nodes, or recurse."""
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


def load_documents(text: str, *, file: str | None = None) -> list[Document]:
    """Parse multi-document YAML ``text`` into :class:`Document` objects (empty documents included).

    Raises :class:`SpecError` for an invalid separator, a YAML syntax error (with the file line), duplicate
    keys, or an alias bomb.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise SpecError(f"the YAML text is larger than the {MAX_FILE_BYTES} bytes eksa accepts",
                        code=ErrorCode.TOO_LARGE, file=file)
    docs: list[Document] = []
    for index, (chunk, first_line) in enumerate(_split(text, file)):
        source = _BARE_K8S_VERSION.sub(lambda m: f'{m.group(1)}"{m.group(2)}"{m.group(3)}', chunk)
        try:
            data = _yaml().load(source)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = first_line + mark.line if mark is not None else None
            problem = exc.problem or exc.context or "invalid YAML"
            raise SpecError(
                f"unable to parse {file or 'YAML text'}: yaml: line {line}: {problem}",
                code=ErrorCode.YAML_SYNTAX,
                file=file,
                document=index,
                line=line,
            ) from None
        except YAMLError as exc:
            raise SpecError(f"unable to parse {file or 'YAML'}: {exc}", code=ErrorCode.YAML_SYNTAX, file=file,
                            document=index) from None
        _check_expansion(data, file=file, document=index)
        docs.append(Document(index=index, data=data, text=chunk, first_line=first_line, file=file))
    return docs


def read_documents(path: str | os.PathLike[str]) -> list[Document]:
    """Read and parse a multi-document YAML file (see :func:`load_documents`)."""
    return load_documents(read_text(path), file=str(path))


def safe_load(text: str, *, file: str | None = None) -> Any:
    """Parse a single-document YAML text into plain Python data (dict/list/str/int/float/bool/None)."""
    docs = [d for d in load_documents(text, file=file) if not d.is_empty]
    if len(docs) > 1:
        raise SpecError("expected one YAML document, found several", code=ErrorCode.YAML_SYNTAX, file=file)
    return to_plain(docs[0].data) if docs else None


def to_plain(data: Any) -> Any:
    """Turn ruamel's round-trip containers and scalars into plain dicts, lists, str, int, float, bool."""
    if isinstance(data, Mapping):
        return {to_plain(k): to_plain(v) for k, v in data.items()}
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
        if isinstance(doc, Document):
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


def _dump_one(yaml: YAML, data: Any) -> str:
    if data is None:
        return ""
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def write_text_keeping_backup(path: str | os.PathLike[str], text: str) -> Path | None:
    """Write ``text`` to ``path`` atomically; an existing, different file is first kept as ``<path>.bak``.

    Returns the backup path when one was made. Nothing the user wrote is silently overwritten.
    """
    p = Path(path)
    backup: Path | None = None
    if p.exists():
        old = p.read_text(encoding="utf-8")
        if old == text:
            return None
        backup = p.with_name(p.name + ".bak")
        backup.write_text(old, encoding="utf-8")
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, p)
    return backup
