"""Cluster spec files: their documents as models (:class:`ClusterConfig`), and a config joined with the release
data that decides images and versions (:class:`Spec`)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .convert import structure, unstructure
from .errors import ErrorCode, SpecError, SpecErrors
from .models.base import API_VERSION, DatacenterConfigObject, EksaObject, MachineConfigObject
from .models.cluster import Cluster
from .models.gitops import AWSIamConfig, OIDCConfig
from .registry import KindRegistry
from .yamlio import Document, dump_documents, load_documents, merge_data, read_text, to_plain

if TYPE_CHECKING:
    from .plugins import Plugins
    from .releases import Bundles, EksdRelease, VersionsBundle

__all__ = ["ClusterConfig", "Entry", "Spec", "load_cluster_config", "parse_cluster_config"]

ObjT = TypeVar("ObjT", bound=EksaObject)

EKSA_GROUP = API_VERSION.split("/")[0]

log = logging.getLogger(__name__)
_V2 = logging.INFO - 2  # EKS-A's logger.V(2)


def _missing_kind(kind: str) -> SpecError:
    # EKS-A's wording (the odd first word is part of its observable message).
    return SpecError(f"yamlop content is invalid or does not contain kind {kind}", code=ErrorCode.MISSING_KIND,
                     kind=kind)


@attrs.define(eq=False)
class Entry:
    """One EKS-A object of a file and the document it came from (``document`` is ``None`` for new objects)."""

    obj: EksaObject
    document: Document | None


@attrs.define(eq=False)
class ClusterConfig:
    """All documents of a cluster spec file, the EKS Anywhere ones read into models.

    Documents of other API groups are kept untouched (they survive a dump). Objects are reached by kind and name
    (:meth:`get`, :meth:`of_kind`) or through the ``cluster`` / :meth:`datacenter` / :meth:`machine_configs`
    views. :meth:`locate` turns a problem found in an object into a :class:`SpecError` that names the file,
    the document, the object and the line.
    """

    entries: list[Entry] = attrs.field(factory=list)
    documents: list[Document] = attrs.field(factory=list)
    file: str | None = None
    warnings: list[SpecError] = attrs.field(factory=list)
    parsed_documents: set[int] = attrs.field(factory=set)

    # -- views ----------------------------------------------------------------------------------------------

    @property
    def objects(self) -> list[EksaObject]:
        """Every EKS-A object, in file order."""
        return [e.obj for e in self.entries]

    def __iter__(self) -> Iterator[EksaObject]:
        return iter(self.objects)

    def of_kind(self, kind: str | type[ObjT]) -> list[Any]:
        """Objects of one kind (a kind name or a model class)."""
        name = kind if isinstance(kind, str) else kind.KIND
        return [o for o in self.objects if o.kind == name]

    def get(self, kind: str | type[ObjT], name: str | None) -> Any:
        """The object of ``kind`` called ``name``, or ``None``."""
        for obj in self.of_kind(kind):
            if obj.name == (name or ""):
                return obj
        return None

    def require(self, kind: str | type[ObjT], name: str | None = None) -> Any:
        """Like :meth:`get`, but raise EKS-A's "does not contain kind" error when it is missing. Without a
        ``name`` the first object of the kind is returned."""
        kind_name = kind if isinstance(kind, str) else kind.KIND
        found = self.of_kind(kind_name) if name is None else [o for o in [self.get(kind_name, name)] if o]
        if not found:
            raise _missing_kind(kind_name).located(file=self.file)
        return found[0]

    @property
    def cluster(self) -> Cluster:
        """The ``Cluster`` document (raises :class:`SpecError` when the file has none)."""
        clusters = self.of_kind(Cluster)
        if not clusters:
            raise _missing_kind("Cluster").located(file=self.file)
        return clusters[0]  # type: ignore[no-any-return]

    def has_cluster(self) -> bool:
        return bool(self.of_kind(Cluster))

    def datacenter(self) -> DatacenterConfigObject | None:
        """The datacenter config named by ``Cluster.spec.datacenterRef`` (``None`` when absent)."""
        ref = self.cluster.spec.datacenter_ref
        if ref is None:
            return None
        obj = self.get(ref.kind or "", ref.name)
        return obj if isinstance(obj, DatacenterConfigObject) else None

    def machine_configs(self) -> list[MachineConfigObject]:
        """Every machine config object of the file."""
        return [o for o in self.objects if isinstance(o, MachineConfigObject)]

    def machine_config(self, name: str | None, kind: str | None = None) -> MachineConfigObject | None:
        """The machine config called ``name`` (of ``kind`` when given)."""
        for obj in self.machine_configs():
            if obj.name == (name or "") and (kind is None or obj.kind == kind):
                return obj
        return None

    def identity_provider(self, kind: str) -> Any:
        """The object of ``kind`` (``OIDCConfig`` or ``AWSIamConfig``) that ``Cluster.spec.identityProviderRefs``
        names, or ``None``."""
        for ref in self.cluster.spec.identity_provider_refs or []:
            if ref is not None and ref.kind == kind:
                obj = self.get(kind, ref.name)
                if obj is not None:
                    return obj
        return None

    def oidc_config(self) -> OIDCConfig | None:
        """The cluster's OIDCConfig (through ``identityProviderRefs``), or ``None``."""
        obj = self.identity_provider(OIDCConfig.KIND)
        return obj if isinstance(obj, OIDCConfig) else None

    def aws_iam_config(self) -> AWSIamConfig | None:
        """The cluster's AWSIamConfig (through ``identityProviderRefs``), or ``None``."""
        obj = self.identity_provider(AWSIamConfig.KIND)
        return obj if isinstance(obj, AWSIamConfig) else None

    # -- editing --------------------------------------------------------------------------------------------

    def add(self, obj: EksaObject) -> None:
        """Add an object (it is written as a new document when the config is dumped)."""
        self.entries.append(Entry(obj, None))

    def remove(self, obj: EksaObject) -> None:
        """Remove an object (its document is dropped when the config is dumped)."""
        self.entries = [e for e in self.entries if e.obj is not obj]

    def replace(self, old: EksaObject, new: EksaObject) -> None:
        """Put ``new`` where ``old`` was (keeping ``old``'s document, so comments survive)."""
        for entry in self.entries:
            if entry.obj is old:
                entry.obj = new
                return
        raise KeyError(f"{old.kind}/{old.name} is not part of this config")

    # -- errors ---------------------------------------------------------------------------------------------

    def entry_of(self, obj: EksaObject) -> Entry | None:
        for entry in self.entries:
            if entry.obj is obj:
                return entry
        return None

    def locate(self, error: SpecError, obj: EksaObject | None = None) -> SpecError:
        """Fill in file, document, kind, name and line of ``error`` (found in ``obj`` or in the object its
        kind/name point at)."""
        if obj is None and error.kind:
            obj = self.get(error.kind, error.name)
        if obj is None:
            return error.located(file=self.file)
        entry = self.entry_of(obj)
        doc = entry.document if entry else None
        line = doc.line_of(_path_parts(error.field)) if doc is not None and error.field else None
        if line is None and doc is not None:
            line = doc.first_line_of_content()
        return error.located(file=self.file, document=doc.index if doc else None, kind=obj.kind,
                             name=obj.name, line=line)

    # -- output ---------------------------------------------------------------------------------------------

    def to_documents(self) -> list[Any]:
        """Every document as data, in order: loaded documents (EKS-A ones updated from the models, others as
        they were), then objects added since loading."""
        by_doc: dict[int, EksaObject] = {id(e.document): e.obj for e in self.entries if e.document is not None}
        kept_docs = {id(e.document) for e in self.entries if e.document is not None}
        out: list[Any] = []
        for doc in self.documents:
            if doc.is_empty:
                continue
            if id(doc) in by_doc:
                new = unstructure(by_doc[id(doc)])
                if to_plain(doc.data) == new:
                    out.append(doc)
                else:
                    out.append(Document(doc.index, merge_data(doc.data, new), doc.text, doc.first_line, doc.file,
                                        plain=doc.plain))
            elif doc.index in self.parsed_documents and id(doc) not in kept_docs:
                continue  # an EKS-A object that was removed
            else:
                out.append(doc)
        out += [unstructure(e.obj) for e in self.entries if e.document is None]
        return out

    def dump(self) -> str:
        """The whole file as YAML. Unchanged documents are written exactly as read; changed ones keep their
        comments and key order."""
        return dump_documents(self.to_documents())


_PATH_TOKEN = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def _path_parts(field: str | None) -> list[str | int]:
    """``spec.a[0].b[key.with.dots]`` -> ``["spec", "a", 0, "b", "key.with.dots"]``."""
    parts: list[str | int] = []
    for bracket, name in _PATH_TOKEN.findall(field or ""):
        if name:
            parts.append(name)
        else:
            parts.append(int(bracket) if bracket.isdigit() else bracket)
    return parts


def _is_eksa_document(data: Any) -> bool:
    if not hasattr(data, "get"):
        return False
    api_version = data.get("apiVersion")
    return isinstance(api_version, str) and api_version.split("/")[0] == EKSA_GROUP


def parse_cluster_config(
    text: str,
    *,
    file: str | None = None,
    registry: KindRegistry | None = None,
    strict: bool = True,
) -> ClusterConfig:
    """Read the documents of a spec file's ``text`` into a :class:`ClusterConfig` (no defaults, no validation).

    Documents whose ``apiVersion`` is not ``anywhere.eks.amazonaws.com/...`` are kept as they are, and so are
    EKS-A kinds no installed plugin defines: like EKS Anywhere's config parser, they are ignored (logged at
    verbosity 2, "Ignoring object in yaml of unknown type when parsing cluster Config"); referencing one is
    reported later. As in EKS Anywhere, a second ``kind: Cluster`` document is refused ("only one Cluster per yaml
    manifest is allowed") and so is a document with a kind but no apiVersion ("apiVersion not set for Kind: K").
    Every unknown field and type error of every document is collected and raised as one :class:`SpecErrors`.

    ``strict=False`` reads like EKS Anywhere's non-strict decoder (used by its test spec builders): unknown
    fields are dropped and reported in ``config.warnings`` instead of failing. Type errors still fail.
    """
    if registry is None:
        from .plugins import default_plugins

        registry = default_plugins().registry
    documents = load_documents(text, file=file)
    config = ClusterConfig(documents=documents, file=file)
    errors: list[SpecError] = []
    seen: dict[tuple[str, str], int] = {}
    cluster_document: int | None = None
    for doc in documents:
        if doc.is_empty:
            continue
        if not hasattr(doc.data, "items"):
            errors.append(SpecError(f"a document must be a mapping, found {type(to_plain(doc.data)).__name__}",
                                    code=ErrorCode.TYPE_MISMATCH, file=file, document=doc.index,
                                    line=doc.first_line_of_content()))
            continue
        kind = doc.data.get("kind")
        api_version = doc.data.get("apiVersion")
        if not api_version and not kind:
            continue  # EKS-A skips documents without apiVersion and kind
        if not api_version:
            errors.append(SpecError(f"apiVersion not set for Kind: {kind}", code=ErrorCode.MISSING_KIND, file=file,
                                    document=doc.index, line=doc.first_line_of_content()))
            continue
        if kind == Cluster.KIND:
            if cluster_document is not None:
                errors.append(SpecError("only one Cluster per yaml manifest is allowed", code=ErrorCode.DUPLICATE,
                                        file=file, document=doc.index, kind=Cluster.KIND, name=_doc_name(doc.data),
                                        line=doc.line_of(["kind"]) or doc.first_line_of_content()))
                continue
            cluster_document = doc.index
        if not _is_eksa_document(doc.data):
            log.log(_V2, "Ignoring object in yaml of unknown type when parsing cluster Config: kind=%s apiVersion=%s",
                    kind, api_version)
            continue
        info = registry.get(kind) if isinstance(kind, str) else None
        if info is None:
            log.log(_V2, "Ignoring object in yaml of unknown type when parsing cluster Config: kind=%s", kind)
            continue
        key_errors = _key_errors(doc)
        if key_errors:
            errors += key_errors
            continue
        try:
            obj = _structure_document(doc, info.cls, strict=strict, warnings=config.warnings)
        except SpecErrors as exc:
            name = _doc_name(doc.data)
            for err in exc:
                line = doc.line_of(_path_parts(err.field)) if err.field else None
                errors.append(err.located(file=file, document=doc.index, kind=kind, name=name, line=line))
            continue
        key = (obj.kind or "", obj.name)
        if key in seen:
            errors.append(SpecError(f"{obj.kind} {obj.name} is defined twice (documents {seen[key]} and "
                                    f"{doc.index})", code=ErrorCode.DUPLICATE, file=file, document=doc.index,
                                    kind=obj.kind, name=obj.name, line=doc.line_of(["metadata", "name"])))
            continue
        seen[key] = doc.index
        config.entries.append(Entry(obj, doc))
        config.parsed_documents.add(doc.index)
    if errors:
        raise SpecErrors(errors, summary=f"cannot read {file or 'the cluster spec'}")
    return config


def _key_errors(doc: Document) -> list[SpecError]:
    """Map keys an EKS-A object cannot have: only strings name fields (a number, boolean or null key is not a
    field name; EKS-A's JSON decoding refuses them the same way)."""
    errors: list[SpecError] = []

    def walk(node: Any, path: list[str | int]) -> None:
        if len(errors) >= 20:
            return
        if isinstance(node, Mapping):
            for key, value in node.items():
                if not isinstance(key, str):
                    field = _field_text(path)
                    errors.append(SpecError(
                        f"invalid map key {to_plain(key)!r}{' under ' + field if field else ''}: field names are "
                        "strings", code=ErrorCode.TYPE_MISMATCH, file=doc.file, document=doc.index,
                        kind=_doc_kind(doc.data), name=_doc_name(doc.data), field=field or None,
                        line=doc.line_of(path) or doc.first_line_of_content()))
                    continue
                walk(value, [*path, key])
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, [*path, i])

    walk(doc.data, [])
    return errors


def _field_text(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int) or "." in part or "[" in part:
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _doc_kind(data: Any) -> str | None:
    kind = data.get("kind") if hasattr(data, "get") else None
    return kind if isinstance(kind, str) else None


def _structure_document(doc: Document, cls: type[ObjT], *, strict: bool, warnings: list[SpecError]) -> ObjT:
    data: Any = doc.data
    for _ in range(100):
        try:
            return structure(data, cls)
        except SpecErrors as exc:
            unknown = [e for e in exc if e.code == ErrorCode.UNKNOWN_FIELD]
            if strict or len(unknown) != len(exc):
                raise
            data = to_plain(data)
            for err in unknown:
                _drop(data, _path_parts(err.field))
                warnings.append(SpecError(f"{err.message} ignored", code=ErrorCode.UNKNOWN_FIELD, warning=True,
                                          file=doc.file, document=doc.index, kind=cls.KIND, name=_doc_name(data),
                                          field=err.field, line=doc.line_of(_path_parts(err.field))))
    raise SpecErrors([SpecError("too many unknown fields", file=doc.file, document=doc.index)])


def _drop(data: Any, parts: list[str | int]) -> None:
    node = data
    for part in parts[:-1]:
        node = node[part]
    if parts:
        node.pop(parts[-1], None)


def _doc_name(data: Any) -> str | None:
    meta: Any = data.get("metadata") if hasattr(data, "get") else None
    name = meta.get("name") if meta is not None and hasattr(meta, "get") else None
    return str(name) if isinstance(name, str) else None


def load_cluster_config(
    path: str | os.PathLike[str], *, registry: KindRegistry | None = None, strict: bool = True
) -> ClusterConfig:
    """Read a spec file (see :func:`parse_cluster_config`); refuses files over 10 MB."""
    return parse_cluster_config(read_text(path), file=str(path), registry=registry, strict=strict)


@attrs.define(eq=False)
class Spec:
    """A defaulted, validated :class:`ClusterConfig` and the release data that decides images and versions.

    ``versions_bundles`` and ``eksd_releases`` are keyed by Kubernetes version (``"1.30"``): one for the control
    plane and one for each worker group version in use.
    """

    config: ClusterConfig
    bundles: Bundles | None = None
    versions_bundles: dict[str, VersionsBundle] = attrs.field(factory=dict)
    eksd_releases: dict[str, EksdRelease] = attrs.field(factory=dict)
    eksa_version: str | None = None
    plugins: Plugins | None = None

    @property
    def cluster(self) -> Cluster:
        return self.config.cluster

    @property
    def name(self) -> str:
        return self.cluster.name

    def datacenter(self) -> DatacenterConfigObject | None:
        return self.config.datacenter()

    def versions_bundle(self, kubernetes_version: str | None = None) -> VersionsBundle:
        """The versions bundle of ``kubernetes_version`` (default: the cluster's)."""
        version = kubernetes_version or self.cluster.spec.kubernetes_version or ""
        try:
            return self.versions_bundles[version]
        except KeyError:
            from .errors import ReleaseError

            raise ReleaseError(f"kubernetes version {version} is not supported by the bundles of this spec") from None

    def eksd_release(self, kubernetes_version: str | None = None) -> EksdRelease:
        """The EKS-D release of ``kubernetes_version`` (default: the cluster's)."""
        version = kubernetes_version or self.cluster.spec.kubernetes_version or ""
        try:
            return self.eksd_releases[version]
        except KeyError:
            from .errors import ReleaseError

            raise ReleaseError(f"no EKS-D release loaded for kubernetes version {version}") from None

    def kubernetes_versions(self) -> list[str]:
        """The Kubernetes versions in use: the cluster's first, then distinct worker group versions."""
        spec = self.cluster.spec
        versions = [spec.kubernetes_version or ""]
        for group in self.cluster.worker_groups():
            if group.kubernetes_version and group.kubernetes_version not in versions:
                versions.append(group.kubernetes_version)
        return versions


def objects_by_kind(objects: Sequence[EksaObject]) -> dict[str, list[EksaObject]]:
    """Group objects by kind, keeping order."""
    out: dict[str, list[EksaObject]] = {}
    for obj in objects:
        out.setdefault(obj.kind or "", []).append(obj)
    return out
