"""Turn pydantic's validation errors into messages a spec author can act on.

Pydantic reports where and what in its own terms (``extra_forbidden``, ``union_tag_invalid``,
``string_pattern_mismatch``) and, for a plain union such as an exit criterion, one error per
member it tried. Here each error becomes one sentence in the spec's words (``unknown key
'duraton' (did you mean 'duration'?)``), and a failed plain union becomes the errors of the
one member the author evidently meant, found from the keys written.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from journeys.redaction import looks_like_secret
from journeys.spec.destinations import EMAIL_PATTERN, ENV_VAR_PATTERN, URL_PATTERN, SecretRef
from journeys.spec.durations import DURATION_PATTERN
from journeys.spec.models import HHMM_PATTERN, ID_PATTERN, WINDOW_PATTERN
from journeys.validation.problems import did_you_mean, quoted_list

Loc = tuple[str | int, ...]

_PATTERN_HINTS = {
    DURATION_PATTERN: "is not a duration: write a whole number and a unit, e.g. 30m, 1h, 3d, 2w",
    ID_PATTERN: "is not a valid id: use lowercase letters, digits and '_', starting with a letter",
    HHMM_PATTERN: "is not a time of day: write HH:MM (24 hours), e.g. 09:00",
    WINDOW_PATTERN: "is not a time window: write HH:MM-HH:MM (24 hours), e.g. 09:00-17:00",
    URL_PATTERN: "is not a URL: write it with its scheme, e.g. https://api.example.com",
    ENV_VAR_PATTERN: "is not an environment variable name, e.g. SENDGRID_API_KEY",
    EMAIL_PATTERN: "is not an email address",
}

_BOUNDS = {
    "greater_than": "greater than",
    "greater_than_equal": "at least",
    "less_than": "less than",
    "less_than_equal": "at most",
}


@dataclass(frozen=True)
class FieldError:
    """One translated error.

    Attributes:
        where: location the message is about (the parent mapping for unknown/missing keys).
        message: the sentence, without the location.
    """

    where: Loc
    message: str


def translate(err: ValidationError, root: Any, data: Any, prefix: Loc = ()) -> list[FieldError]:
    """Translate the errors of validating ``data`` as ``root`` (a model or an annotation)."""
    out: list[FieldError] = []
    unions_done: set[Loc] = set()
    for error in err.errors(include_url=False):
        loc = tuple(error["loc"])
        if "[key]" in loc:  # a mapping key of the wrong type, e.g. ``1:`` under tiles
            where = prefix + _resolve(root, loc[: loc.index("[key]") - 1], data).clean
            out.append(FieldError(where, _key_message(loc[loc.index("[key]") - 1], error)))
            continue
        hit = _resolve(root, loc, data)
        if hit.union is not None:
            if hit.clean not in unions_done:
                unions_done.add(hit.clean)
                out.extend(_translate_union(hit.union, hit.raw, prefix + hit.clean))
            continue
        out.append(_word(error, hit, prefix))
    return out


@dataclass
class _Hit:
    clean: Loc  # location without pydantic's union tags
    model: type[BaseModel] | None  # model whose field the last location part names
    raw: Any  # the input at ``clean``
    union: tuple[Any, ...] | None = None  # members of a plain union the location stops at
    what: str = "value"  # how a discriminated union's tag is named (tile, destination)


def _resolve(root: Any, loc: Loc, data: Any) -> _Hit:
    tp, raw, clean, model = root, data, [], None
    i = 0
    while i < len(loc):
        tp, discriminator = _unwrap(tp)
        members = _union_members(tp)
        if members is not None:
            if discriminator is None:
                return _Hit(tuple(clean), model, raw, members)
            tp = _member_by_tag(members, discriminator, loc[i])
            i += 1
            continue
        part = loc[i]
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = _field(tp, part)
            model = tp
            tp = field.annotation if field is not None else Any
            if field is not None and field.discriminator:
                tp = typing.Annotated[tp, field]
        elif typing.get_origin(tp) is list:
            tp = (typing.get_args(tp) or (Any,))[0]
        elif typing.get_origin(tp) is dict:
            tp = (typing.get_args(tp) or (Any, Any))[-1]
            model = None
        else:
            break
        clean.append(part)
        raw = _child(raw, part)
        i += 1
    names = [m.__name__ for m in _union_members(_unwrap(tp)[0]) or () if isinstance(m, type)]
    what = next((kind for kind in ("tile", "destination") if names and all(
        name.lower().endswith(kind) for name in names)), "value")
    return _Hit(tuple(clean), model, raw, None, what)


def _unwrap(tp: Any) -> tuple[Any, str | None]:
    discriminator = None
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            base, *meta = typing.get_args(tp)
            for item in meta:
                discriminator = getattr(item, "discriminator", None) or discriminator
            tp = base
            continue
        members = _union_members(tp, keep_single=True)
        if members is not None and len(members) == 1:
            tp = members[0]
            continue
        return tp, discriminator


def _union_members(tp: Any, keep_single: bool = False) -> tuple[Any, ...] | None:
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    members = tuple(m for m in typing.get_args(tp) if m is not type(None))
    return members if (keep_single or len(members) > 1) else None


def _member_by_tag(members: tuple[Any, ...], discriminator: str, tag: Any) -> Any:
    for member in members:
        field = member.model_fields.get(discriminator)
        if field is not None and tag in typing.get_args(field.annotation):
            return member
    return Any


def _field(model: type[BaseModel], part: Any) -> Any:
    for name, field in model.model_fields.items():
        if part in (name, field.alias):
            return field
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _child(raw: Any, part: Any) -> Any:
    if isinstance(raw, dict):
        return raw.get(part)
    if isinstance(raw, list) and isinstance(part, int) and part < len(raw):
        return raw[part]
    return None


def _translate_union(members: tuple[Any, ...], raw: Any, where: Loc) -> list[FieldError]:
    """One clear message for a plain union: pick the member whose keys were written."""
    choices = _literal_choices(members)
    if choices is not None:  # ``Channel | Literal["any"]``: one list of the words allowed
        shown = ", ".join(f"'{c}'" for c in choices[:-1]) + f" or '{choices[-1]}'"
        return [FieldError(where, f"{_show(raw)} is not one of {shown}"
                                  f"{did_you_mean(raw, [str(c) for c in choices])}")]
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    accepts_text = any(m is str or typing.get_origin(m) is typing.Annotated for m in members)
    if not isinstance(raw, dict) or not models:
        shape = "a name or a mapping" if accepts_text else "a mapping"
        return [FieldError(where, f"must be {shape}, got {_show(raw)}")]
    all_keys = {key for m in models for key in _keys(m)}
    written = [key for key in raw if key in all_keys]
    matching = [m for m in models if any(key in _keys(m) for key in written)]
    if len(matching) == 1:
        model = matching[0]
        try:
            TypeAdapter(model).validate_python(raw)
        except ValidationError as err:
            return translate(err, model, raw, where)
        return []
    if not written:
        out = [
            FieldError(where, f"unknown key '{key}'{did_you_mean(key, all_keys)}")
            for key in raw
        ]
        kinds = " or ".join(f"'{_keys(m)[0]}'" for m in models)
        return out or [FieldError(where, f"is empty: write one of {kinds}")]
    kinds = " or ".join(f"'{_keys(m)[0]}'" for m in models)
    return [
        FieldError(where, f"mixes {quoted_list(written)}: write one of {kinds} per item")
    ]


def _literal_choices(members: tuple[Any, ...]) -> list[Any] | None:
    """The values of a union made only of ``Literal`` types, else None."""
    choices: list[Any] = []
    for member in members:
        member, _ = _unwrap(member)
        if typing.get_origin(member) is not typing.Literal:
            return None
        choices.extend(typing.get_args(member))
    return choices or None


def _key_message(key: Any, error: Any) -> str:
    if error["type"] == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern")
        return f"key '{key}' {_PATTERN_HINTS.get(pattern, f'does not match {pattern}')}"
    return f"key {key!r} must be text (quote it in YAML)"


SECRET_SHOWN = "a value that looks like a secret (not shown)"


def _show(value: Any) -> str:
    """The value as a message quotes it; never one that is or looks like a secret."""
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    if looks_like_secret(text):
        return SECRET_SHOWN
    return text if len(text) <= 60 else text[:57] + "..."


def _is_secret(hit: _Hit) -> bool:
    """Whether the location is a secret's field (``api_key``, ``auth_token``, …)."""
    field = _field(hit.model, hit.clean[-1]) if hit.model and hit.clean else None
    return field is not None and _unwrap(field.annotation)[0] is SecretRef


def _word(error: Any, hit: _Hit, prefix: Loc) -> FieldError:
    """The sentence for one pydantic error; ``where`` is the field, or its parent for keys."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    here, parent = prefix + hit.clean, prefix + hit.clean[:-1]
    key = hit.clean[-1] if hit.clean else None
    if kind in ("model_type", "model_attributes_type", "dict_type") and _is_secret(hit):
        return FieldError(here, f"must name an environment variable, not hold the secret: "
                                f"write `{key}: {{env: VARIABLE}}` and set VARIABLE in the "
                                "environment (the value written is not shown)")
    if kind == "extra_forbidden":
        known = _keys(hit.model) if hit.model is not None else []
        hint = did_you_mean(key, known) or (f" (keys are: {', '.join(known)})" if known else "")
        return FieldError(parent, f"unknown key '{key}'{hint}")
    if kind == "missing":
        return FieldError(parent, f"missing key '{key}'")
    if kind == "union_tag_invalid":
        tags = [t.strip("'") for t in str(ctx.get("expected_tags", "")).split(", ")]
        tag = ctx.get("tag")
        return FieldError(
            here,
            f"unknown {hit.what} type '{tag}'{did_you_mean(tag, tags)}; "
            f"types are: {', '.join(tags)}",
        )
    if kind == "union_tag_not_found":
        return FieldError(here, "missing key 'type'")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return FieldError(here, f"must be a mapping (key: value), got {_show(value)}")
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(ctx.get("pattern"), f"does not match {ctx.get('pattern')}")
        return FieldError(here, f"{_show(value)} {hint}")
    if kind == "literal_error" and ctx.get("expected") == "True":
        return FieldError(here, f"must be true, got {_show(value)} (leave it out to turn it off)")
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        options = [o.strip(" '") for o in expected.replace(" or ", ", ").split(", ")]
        return FieldError(
            here, f"{_show(value)} is not one of {expected}{did_you_mean(value, options)}"
        )
    if kind == "value_error":
        return FieldError(here, str(ctx.get("error", error["msg"])))
    if kind == "string_type":
        return FieldError(here, f"must be text, got {_show(value)} (quote it in YAML)")
    if kind == "too_short":
        return FieldError(here, "must not be empty")
    if kind in ("bool_type", "bool_parsing"):
        return FieldError(here, f"must be true or false, got {_show(value)}")
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()), "?")
        return FieldError(here, f"must be {_BOUNDS[kind]} {bound}, got {_show(value)}")
    if kind in ("list_type",):
        return FieldError(here, f"must be a list, got {_show(value)}")
    return FieldError(here, f"{error['msg'][0].lower()}{error['msg'][1:]}, got {_show(value)}")

