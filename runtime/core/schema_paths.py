"""Finding things inside an answers schema: the subschema at a pointer, its options, its widget."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from runtime.core.problems import pointer_parts

Schema = dict[str, Any]


def resolve_ref(root: Schema, schema: Any) -> Any:
    """Follow a local `$ref` (`#/$defs/name`) once; other schemas come back as they are."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if ref.startswith("#/$defs/"):
            return root.get("$defs", {}).get(ref[len("#/$defs/") :], {})
    return schema


def subschema_at(root: Schema, pointer: str) -> Schema | None:
    """The schema declared for the answer at `pointer`, through `properties` and `items`.

    Numeric parts (list indexes) step into `items`; a property must be declared in its
    object's own `properties` (conditions may add rules, not new answers).
    """
    schema: Any = root
    for part in pointer_parts(pointer):
        schema = resolve_ref(root, schema)
        if not isinstance(schema, dict):
            return None
        if part.isdigit() and schema.get("type") == "array":
            schema = schema.get("items")
        else:
            props = schema.get("properties")
            if not isinstance(props, dict) or part not in props:
                return None
            schema = props[part]
    schema = resolve_ref(root, schema)
    return schema if isinstance(schema, dict) else None


def options(schema: Schema) -> list[tuple[Any, str]]:
    """Labelled options as (value, title): `oneOf`/`anyOf` of {const, title}, or a plain `enum`."""
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword)
        if (
            isinstance(branches, list)
            and branches
            and all(isinstance(b, dict) and "const" in b for b in branches)
        ):
            return [(b["const"], str(b.get("title", b["const"]))) for b in branches]
    if isinstance(schema.get("enum"), list):
        return [(value, str(value)) for value in schema["enum"]]
    return []


def item_options(schema: Schema) -> list[tuple[Any, str]]:
    items = schema.get("items")
    return options(items) if isinstance(items, dict) else []


def primary_type(schema: Schema) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return kinds[0] if kinds else None
    if isinstance(kind, str):
        return kind
    if "const" in schema or options(schema):
        values = [value for value, _ in options(schema)] or [schema.get("const")]
        if all(isinstance(v, bool) for v in values):
            return "boolean"
        if all(isinstance(v, str) for v in values):
            return "string"
    return None


def infer_widget(schema: Schema) -> str:
    """The widget that fits an answer's schema when the page does not choose one."""
    kind = primary_type(schema)
    fmt = schema.get("format")
    by_format = {
        "date": "date",
        "email": "email",
        "uk-phone": "tel",
        "uk-postcode": "postcode",
        "file": "file",
    }
    if isinstance(fmt, str) and fmt in by_format:
        return by_format[fmt]
    if kind == "boolean":
        return "declaration" if schema.get("const") is True else "yes-no"
    if kind == "array" and item_options(schema):
        return "checkboxes"
    if options(schema):
        return "radios" if len(options(schema)) <= 10 else "select"
    if kind in ("integer", "number"):
        return "number"
    if kind == "string" and int(schema.get("maxLength", 0)) > 200:
        return "textarea"
    return "text"


def walk_schemas(schema: Any, pointer: str = "") -> Iterator[tuple[str, Schema]]:
    """Every subschema of `schema` with its pointer inside the schema document."""
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    for keyword in ("items", "contains", "not", "if", "then", "else"):
        if keyword in schema:
            yield from walk_schemas(schema[keyword], f"{pointer}/{keyword}")
    for keyword in ("properties", "dependentSchemas", "$defs"):
        for name, sub in (schema.get(keyword) or {}).items():
            yield from walk_schemas(sub, f"{pointer}/{keyword}/{name}")
    for keyword in ("oneOf", "anyOf", "allOf"):
        for index, sub in enumerate(schema.get(keyword) or []):
            yield from walk_schemas(sub, f"{pointer}/{keyword}/{index}")


def answer_pointers(
    root: Schema, schema: Any = None, prefix: str = ""
) -> Iterator[tuple[str, Schema]]:
    """Every declared answer (leaf or list) as (pointer, schema); objects are walked into."""
    schema = resolve_ref(root, root if schema is None else schema)
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("properties") or {}).items():
        sub = resolve_ref(root, sub)
        pointer = f"{prefix}/{name}"
        if isinstance(sub, dict) and primary_type(sub) == "object" and "properties" in sub:
            yield from answer_pointers(root, sub, pointer)
        else:
            yield pointer, sub if isinstance(sub, dict) else {}


def required_pointers(root: Schema, schema: Any = None, prefix: str = "") -> Iterator[str]:
    """Answers that some rule can require: `required` (also in then/else), `dependentRequired`."""
    schema = resolve_ref(root, root if schema is None else schema)
    if not isinstance(schema, dict):
        return
    names: list[str] = list(schema.get("required") or [])
    for keyword in ("then", "else"):
        branch = schema.get(keyword)
        if isinstance(branch, dict):
            names.extend(branch.get("required") or [])
    for needed in (schema.get("dependentRequired") or {}).values():
        names.extend(needed)
    for branch in schema.get("allOf") or []:
        if isinstance(branch, dict):
            for keyword in ("then", "else"):
                sub = branch.get(keyword)
                if isinstance(sub, dict):
                    names.extend(sub.get("required") or [])
            names.extend(branch.get("required") or [])
    props = schema.get("properties") or {}
    for name in dict.fromkeys(names):
        yield f"{prefix}/{name}"
    for name, sub in props.items():
        sub = resolve_ref(root, sub)
        if isinstance(sub, dict) and primary_type(sub) == "object":
            yield from required_pointers(root, sub, f"{prefix}/{name}")


def always_required(root: Schema, schema: Any = None, prefix: str = "") -> Iterator[str]:
    """Answers required whatever else is answered: `required` all the way from the root."""
    schema = resolve_ref(root, root if schema is None else schema)
    if not isinstance(schema, dict):
        return
    props = schema.get("properties") or {}
    for name in schema.get("required") or []:
        yield f"{prefix}/{name}"
        sub = resolve_ref(root, props.get(name))
        if isinstance(sub, dict) and primary_type(sub) == "object":
            yield from always_required(root, sub, f"{prefix}/{name}")
