"""The plugin API reference (docs/plugins/api.md), generated from the docstrings.

Not part of the plugin API itself: the tool behind ``python manage.py api_docs``
and the test that fails when the reference is stale. For each public module
(``PUBLIC_MODULES``) it writes the module's docstring and, for every name in its
``__all__`` (in that order), the signature and docstring; classes also list their
own public methods, models their fields by verbose name. A name exported twice (an
alias, or the same class from two modules) is described once and pointed to after.

Data has no ``__doc__`` of its own, so a constant or an instance (``STAFF_ROLES``,
``township_admin_site``) is documented where it is assigned, as Sphinx reads it: a
``#:`` comment right above the assignment, or a string right below it.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType

from django.db import models
from django.utils import translation

PUBLIC_MODULES = (
    "township_integrity",
    "township_integrity.models",
    "township_integrity.services",
    "township_integrity.roles",
    "township_integrity.errors",
    "township_integrity.admin",
    "township_integrity.workbench",
    "township_integrity.graphql",
    "township_integrity.tabular",
    "township_integrity.management",
    "township_integrity.testing",
)

TARGET = Path("docs") / "plugins" / "api.md"
COMMAND = "python manage.py api_docs"

HEADER = f"""# Plugin API reference

Generated from the docstrings of the package `township_integrity` by
`{COMMAND}` — do not edit by hand (a test fails when this file and the
code differ). Everything a plugin may import from the platform is here; anything
else of the platform may change in any version. How to write a plugin:
[guide.md](guide.md); the hooks: [hooks.md](hooks.md).

"""

# Object addresses and other run-to-run noise in a default value's repr.
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
# An RST section underline (a line of one repeated punctuation character).
UNDERLINE = re.compile(r"^([-=~^])\1{2,}$")
MAX_VALUE = 100


def api_reference() -> str:
    """The text of docs/plugins/api.md for the code as it is now."""
    described: dict[int, str] = {}
    parts = [HEADER, _contents(), "\n"]
    with translation.override(None):  # verbose names as written in the code (English)
        for module_name in PUBLIC_MODULES:
            parts.append(_module_section(importlib.import_module(module_name), described))
    return "".join(parts).rstrip() + "\n"


def undocumented_names() -> list[str]:
    """Public names (``module.NAME``) without a docstring of their own."""
    missing = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        if not inspect.getdoc(module):
            missing.append(module_name)
        for name in public_names(module):
            if not _doc(module, name):
                missing.append(f"{module_name}.{name}")
    return missing


def public_names(module: ModuleType) -> list[str]:
    """The names a module exports: its ``__all__`` (none when it declares none)."""
    return list(getattr(module, "__all__", ()))


# --- one module ----------------------------------------------------------------------


def _contents() -> str:
    return "".join(f"- [`{name}`](#{_anchor(name)})\n" for name in PUBLIC_MODULES)


def _anchor(module_name: str) -> str:
    """GitHub's anchor of the heading ``## `module_name` ``."""
    return module_name.replace(".", "")


def _module_section(module: ModuleType, described: dict[int, str]) -> str:
    parts = [f"## `{module.__name__}`\n\n{_markdown(inspect.getdoc(module) or '')}\n\n"]
    names = public_names(module)
    if not names:
        parts.append("*No names beyond the module's own description above.*\n\n")
    for name in names:
        parts.append(_name_section(module, name, described))
    return "".join(parts)


def _name_section(module: ModuleType, name: str, described: dict[int, str]) -> str:
    obj = getattr(module, name)
    qualified = f"{module.__name__}.{name}"
    if id(obj) in described and not _is_plain_value(obj):
        return f"### `{name}`\n\nThe same as `{described[id(obj)]}` (described there).\n\n"
    if not _is_plain_value(obj):
        described[id(obj)] = qualified
    kind, title, body = _describe(module, name, obj)
    text = f"### `{title}`\n\n*{kind}*\n\n"
    doc = _doc(module, name)
    if doc:
        text += _markdown(doc) + "\n\n"
    return text + body


def _describe(module: ModuleType, name: str, obj) -> tuple[str, str, str]:
    """(kind, heading, what follows the docstring) for one exported name."""
    if inspect.isclass(obj) and issubclass(obj, models.Model):
        return f"model ({obj._meta.label})", name, _fields(obj) + _methods(obj)
    if inspect.isclass(obj) and issubclass(obj, enum.Enum):
        return _class_kind(obj), name, ""
    if inspect.isclass(obj) and _is_graphene_type(obj):
        return "GraphQL type", name, _methods(obj)
    if inspect.isclass(obj):
        return _class_kind(obj), name + _signature(obj), _methods(obj)
    if _is_fixture(obj):
        return "pytest fixture", name + _signature(_fixture_function(obj)), ""
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return "function", name + _signature(obj), ""
    value = _value(obj)
    title = f"{name} = {value}" if value else name
    return type(obj).__name__, title, ""


def _class_kind(cls: type) -> str:
    if issubclass(cls, enum.Enum):
        return "choices: " + ", ".join(f"`{member.value}`" for member in cls)
    if issubclass(cls, BaseException):
        return "exception"
    return "class"


def _is_graphene_type(cls: type) -> bool:
    return any(base.__module__.startswith("graphene") for base in cls.__mro__[1:])


def _fields(model: type[models.Model]) -> str:
    rows = ["| field | verbose name | type |", "|---|---|---|"]
    for field in model._meta.fields + model._meta.many_to_many:
        kind = type(field).__name__
        if field.is_relation and field.related_model is not None:
            kind += f" → {field.related_model.__name__}"
        rows.append(f"| `{field.name}` | {field.verbose_name} | {kind} |")
    return "\n".join(rows) + "\n\n"


def _methods(cls: type) -> str:
    parts = []
    for name, raw in vars(cls).items():
        if name.startswith("_") or (_is_graphene_type(cls) and name.startswith("resolve_")):
            continue  # resolvers are graphene's to call
        function = raw.__func__ if isinstance(raw, classmethod | staticmethod) else raw
        defined_in = getattr(raw.fget if isinstance(raw, property) else function, "__module__", "")
        if defined_in != cls.__module__:
            continue  # added by a metaclass (a form's ``media``), not the class's own
        if isinstance(raw, property):
            title, doc = f"{cls.__name__}.{name}", inspect.getdoc(raw)
        elif inspect.isfunction(function):
            bound = not isinstance(raw, staticmethod)
            title = f"{cls.__name__}.{name}{_signature(function, bound=bound)}"
            doc = inspect.getdoc(function)
        else:
            continue
        parts.append(f"#### `{title}`\n\n" + (_markdown(doc) + "\n\n" if doc else ""))
    return "".join(parts)


# --- signatures, values, docstrings --------------------------------------------------


class _Written:
    """An annotation shown as written in the code (``'str'`` without the quotes)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _as_written(annotation):
    if isinstance(annotation, str):
        return _Written(annotation)
    forward = getattr(annotation, "__forward_arg__", None)  # typing.ForwardRef
    return _Written(forward) if forward else annotation


def _signature(obj, *, bound: bool = False) -> str:
    """``(arguments) -> result`` of a callable; ``bound`` leaves out self or cls."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    parameters = list(signature.parameters.values())[1 if bound else 0 :]
    kinds = {p.kind for p in parameters}
    if kinds and kinds <= {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}:
        return ""  # a pass-through constructor says nothing
    result = inspect.Signature.empty if inspect.isclass(obj) else signature.return_annotation
    signature = signature.replace(
        parameters=[p.replace(annotation=_as_written(p.annotation)) for p in parameters],
        return_annotation=_as_written(result),
    )
    return ADDRESS.sub("", str(signature))


def _is_fixture(obj) -> bool:
    return type(obj).__name__ == "FixtureFunctionDefinition" or hasattr(
        obj, "_pytestfixturefunction"
    )


def _fixture_function(obj):
    getter = getattr(obj, "_get_wrapped_function", None)
    return getter() if getter else getattr(obj, "__wrapped__", obj)


def _is_plain_value(obj) -> bool:
    """Values equal by content (a string, a number): never "the same object" as another."""
    return isinstance(obj, str | int | float | bool | tuple | frozenset | type(None))


def _value(obj) -> str:
    """A short, stable rendering of a constant, or "" when it has none."""
    text = _render(obj)
    return text if text and len(text) <= MAX_VALUE else ""


def _render(obj) -> str | None:
    if isinstance(obj, enum.Enum):
        return f"{type(obj).__name__}.{obj.name}"
    if isinstance(obj, str | int | float | bool | type(None)):
        return repr(obj)
    if isinstance(obj, tuple | list):
        items = [_render(item) for item in obj]
        if None in items:
            return None
        inner = ", ".join(items) + ("," if isinstance(obj, tuple) and len(items) == 1 else "")
        return f"({inner})" if isinstance(obj, tuple) else f"[{inner}]"
    if isinstance(obj, frozenset | set):
        items = [_render(item) for item in obj]
        return None if None in items else "{" + ", ".join(sorted(items)) + "}"
    return None


def _doc(module: ModuleType, name: str) -> str | None:
    """The docstring of an exported name: its own, or for data where it is assigned."""
    obj = getattr(module, name)
    own = None
    if inspect.isclass(obj):
        own = obj.__dict__.get("__doc__")
        # Django models and dataclasses without a docstring get "Name(field, ...)" instead.
        own = None if own and own.startswith(f"{obj.__name__}(") else own
    elif _is_fixture(obj):
        own = _fixture_function(obj).__doc__
    elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
        own = obj.__doc__
    if own:
        return inspect.cleandoc(own)
    # Data, or a class made by a call (``graphene.Enum(...)``): documented where assigned.
    return _assignment_doc(module.__name__, name, set())


def _assignment_doc(module_name: str, name: str, seen: set) -> str | None:
    """The ``#:`` comment above or the string below ``name = ...`` in its module.

    Follows ``from x import name`` to the module that assigns it.
    """
    if (module_name, name) in seen:
        return None
    seen.add((module_name, name))
    module = importlib.import_module(module_name)
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return None
    lines = source.splitlines()
    body = ast.parse(source).body
    for index, statement in enumerate(body):
        if _assigns(statement, name):
            following = body[index + 1] if index + 1 < len(body) else None
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                return inspect.cleandoc(following.value.value)
            return _comment_above(lines, statement.lineno)
        if isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                if (alias.asname or alias.name) == name:
                    source_module = _absolute(module, statement)
                    return _assignment_doc(source_module, alias.name, seen)
    return None


def _assigns(statement: ast.stmt, name: str) -> bool:
    if isinstance(statement, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in statement.targets)
    if isinstance(statement, ast.AnnAssign):
        return isinstance(statement.target, ast.Name) and statement.target.id == name
    return False


def _comment_above(lines: list[str], lineno: int) -> str | None:
    found = []
    index = lineno - 2  # the line above the assignment (lineno is 1-based)
    while index >= 0 and lines[index].lstrip().startswith("#:"):
        found.append(lines[index].lstrip()[2:].strip())
        index -= 1
    return "\n".join(reversed(found)) or None


def _absolute(module: ModuleType, statement: ast.ImportFrom) -> str:
    if not statement.level:
        return statement.module or ""
    package = module.__name__ if hasattr(module, "__path__") else module.__package__ or ""
    base = package.rsplit(".", statement.level - 1)[0] if statement.level > 1 else package
    return f"{base}.{statement.module}" if statement.module else base


def _markdown(doc: str) -> str:
    """A docstring as Markdown: RST section titles become level-4 headings."""
    lines = doc.splitlines()
    out: list[str] = []
    for line in lines:
        if out and out[-1].strip() and UNDERLINE.match(line.strip()):
            out[-1] = f"#### {out[-1].strip()}"
            continue
        out.append(line)
    return "\n".join(out).strip()
