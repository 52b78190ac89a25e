"""Hook implementations that import their module on first call, so loading a plugin stays cheap.

A provider's plugin module gathers hook implementations from its modules (validation, templates, lifecycle,
machines...); importing them all when eksa discovers the installed providers makes every command pay for every
provider's code, though a command uses one provider. A plugin module may instead name each implementation::

    from eksa_core.lazyhooks import lazy_hook

    eksa_validate_config = lazy_hook(__name__, ".validate", "eksa_validate_config")

``lazy_hook`` returns a hook implementation (marked with :data:`eksa_core.contract.hookimpl`) with the
parameters of the hook's specification; its first call imports the module (relative to the plugin's package)
and calls the function of that name with the arguments it declares (an implementation may take fewer arguments
than the specification, as pluggy allows). A name that is not a hook of the contract is refused at once, so a
misspelt hook still fails when the plugin loads; a module that cannot be imported fails the call that needs it.
"""

from __future__ import annotations

import importlib
import inspect
import threading
import types
from collections.abc import Callable
from typing import Any

from .contract import SPEC_CLASSES, hookimpl

__all__ = ["implementation", "lazy_hook"]


def _spec_parameters(hook: str) -> list[str]:
    for spec_class in SPEC_CLASSES:
        spec = getattr(spec_class, hook, None)
        if spec is not None and callable(spec):
            return [p for p in inspect.signature(spec).parameters if p != "self"]
    raise ValueError(f"{hook} is not a hook of the eksa contract (see eksa_core.contract)")


def lazy_hook(plugin_module: str, module: str, hook: str) -> Callable[..., Any]:
    """The implementation of ``hook`` found in ``module`` (``.validate``: relative to ``plugin_module``'s
    package), imported when the hook is first called."""
    names = _spec_parameters(hook)
    package = plugin_module.rpartition(".")[0] or plugin_module
    lock = threading.Lock()
    target: list[tuple[Callable[..., Any], frozenset[str]]] = []

    def resolve() -> tuple[Callable[..., Any], frozenset[str]]:
        if not target:
            with lock:
                if not target:
                    function = getattr(importlib.import_module(module, package), hook)
                    params = inspect.signature(function).parameters
                    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
                    accepted = frozenset(names if takes_all else (n for n in params if n in names))
                    target.append((function, accepted))
        return target[0]

    def call(*args: Any, **kwargs: Any) -> Any:
        function, accepted = resolve()
        given = dict(zip(names, args, strict=False))
        given.update(kwargs)
        return function(**{k: v for k, v in given.items() if k in accepted or k not in names})

    hook_function = _function(names, call)
    hook_function.__name__ = hook_function.__qualname__ = hook
    hook_function.__module__ = plugin_module
    hook_function.__doc__ = f"``{hook}`` of module {module} (imported on its first call)."
    hook_function._eksa_lazy_target = lambda: resolve()[0]
    marked: Callable[..., Any] = hookimpl(hook_function)
    return marked


def implementation(hook_function: Callable[..., Any]) -> Callable[..., Any]:
    """The function a hook implementation runs: for a :func:`lazy_hook`, the one of its module (imported now);
    any other function is its own implementation."""
    target = getattr(hook_function, "_eksa_lazy_target", None)
    return target() if callable(target) else hook_function


_TEMPLATES: dict[int, Any] = {}


def _function(names: list[str], call: Callable[..., Any]) -> Any:
    """A plain function taking exactly ``names`` (pluggy reads an implementation's parameters from its code
    object) that passes them to ``call``. One template per number of parameters is compiled; each hook's
    function renames its parameters (``CodeType.replace``)."""
    count = len(names)
    template = _TEMPLATES.get(count)
    if template is None:
        params = ", ".join(f"a{i}" for i in range(count))
        scope: dict[str, Any] = {}
        exec(f"def template({params}{', ' if count else ''}_call=None):\n    return _call({params})\n", scope)
        template = _TEMPLATES[count] = scope["template"]
    code = template.__code__
    renamed = code.replace(co_varnames=(*names, *code.co_varnames[count:]))
    return types.FunctionType(renamed, {}, "hook", (call,))
