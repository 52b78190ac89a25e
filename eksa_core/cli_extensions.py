"""What a plugin adds to the ``eksa`` command line, without the core naming any provider.

A plugin answers ``eksa_cli_options`` with extra options of the existing commands, and
``eksa_generate_commands`` with extra ``eksa generate <name>`` commands::

    @hookimpl
    def eksa_cli_options():
        return [CliOption(("--tinkerbell-bootstrap-ip",), dest="tinkerbell_bootstrap_ip", metavar="IP",
                          help="Override the local tinkerbell IP in the bootstrap cluster",
                          commands=("create cluster",))]

    @hookimpl
    def eksa_generate_commands():
        return [GenerateCommand("tinkerbelltemplateconfig", help="Generate TinkerbellTemplateConfig objects",
                                needs_spec=True, options=(CliOption(("--tinkerbell-bootstrap-ip",), ...),))]

An option's value reaches provider hooks as ``context.options[dest]`` (create, upgrade, delete); a generate
command's options reach ``eksa_generate_artifact`` as ``options[dest]`` (and, with
``needs_spec``, the loaded, defaulted :class:`~eksa_core.spec.Spec` of ``-f FILE`` as ``options["spec"]``).
"""

from __future__ import annotations

import attrs

__all__ = ["COMMANDS", "CliOption", "GenerateCommand"]

COMMANDS = ("create cluster", "upgrade cluster", "delete cluster")
"""The commands a :class:`CliOption` may extend."""


@attrs.frozen
class CliOption:
    """One command line option contributed by a plugin.

    :ivar flags: the option strings (``("--tinkerbell-bootstrap-ip",)``).
    :ivar dest: the key of its value in the hook options.
    :ivar help: the help text. :ivar metavar: the value's name in the help.
    :ivar commands: which of :data:`COMMANDS` get it (ignored for a generate command's own options).
    :ivar switch: a flag without a value (``True`` when given).
    """

    flags: tuple[str, ...]
    dest: str
    help: str = ""
    metavar: str | None = None
    commands: tuple[str, ...] = ("create cluster",)
    switch: bool = False


@attrs.frozen
class GenerateCommand:
    """An ``eksa generate <name>`` command contributed by a plugin, answered by its
    ``eksa_generate_artifact`` with ``kind=name``.

    :ivar needs_spec: the command takes ``-f/--filename`` (required) and the release options, and the plugin gets
        the built spec as ``options["spec"]``.
    :ivar description: the longer text of ``--help``.
    """

    name: str
    help: str
    options: tuple[CliOption, ...] = ()
    needs_spec: bool = False
    description: str | None = None
