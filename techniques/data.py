"""Rule and vocabulary files (YAML shipped inside a package) read into validated models.

Every rule file has a pydantic model. `load_data` reads the file and validates it; a syntax
error, a missing field, a field of the wrong type or a field the model does not know is a
`TechniquesError` that names the file and the field, so a typo fails when the assistant starts
(`Assistant.warm_up`, `techniques ask`, `techniques serve`) rather than on the first question
that happens to reach the rule.
"""

from __future__ import annotations

from importlib import resources
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from techniques.errors import TechniquesError

M = TypeVar("M", bound=BaseModel)


class DataModel(BaseModel):
    """Base of every rule-file model: unknown fields are errors (a typo is not ignored), and a
    loaded model is read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def describe_error(error: ValidationError) -> str:
    """`field.path: what is wrong` for each problem, most useful first."""
    parts = []
    for e in error.errors()[:5]:
        where = ".".join(str(p) for p in e.get("loc", ())) or "(top level)"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    more = len(error.errors()) - 5
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def parse_data(raw: object, model: type[M], name: str) -> M:
    """`raw` (already parsed YAML) validated as `model`; `name` is the file shown in errors."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise TechniquesError(
            f"The rule file {name} is not valid: {describe_error(exc)}.",
            hint="Fix that field of the file (or reinstall the package if you did not edit it).",
        ) from None


def load_data(package: str, filename: str, model: type[M]) -> M:
    """`package`'s `data/<filename>` read and validated as `model`."""
    name = f"{package.replace('.', '/')}/data/{filename}"
    try:
        text = resources.files(package).joinpath(f"data/{filename}").read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TechniquesError(f"The rule file {name} cannot be read ({exc}).", hint="Reinstall the package.") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise TechniquesError(f"The rule file {name} is not valid YAML{where}: {getattr(exc, 'problem', exc)}.") from None
    return parse_data(raw, model, name)
