"""Configuration files (config/*.json) and data files (data/*.json, data/*.csv): read into their pydantic
model or type, or one ConfigurationError naming the file.

Configuration is what ops tune (deadlines, limits, routing); data is what the classifier and the registry
know (agencies, procedures, signal phrases, units). Both are read once per process by their owners, which
cache the result; nothing here is read at import time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from pakn.domain.errors import ConfigurationError

CONFIG_DIR = Path(__file__).parents[1] / "config"
DATA_DIR = Path(__file__).parents[1] / "data"

# For the TypedDicts that data files are checked against (`@with_config(DATA_SCHEMA)`): no unknown keys, so
# a misspelt one is an error rather than silently ignored, and JSON's own types ("2" is not a number).
DATA_SCHEMA = ConfigDict(extra="forbid", strict=True)

Model = TypeVar("Model", bound=BaseModel)
Shape = TypeVar("Shape")


def load_config(model: type[Model], path: Path, what: str) -> Model:
    return _load(model.model_validate, path, what)


def load_data(shape: type[Shape], path: Path, what: str) -> Shape:
    """A JSON data file checked against `shape` (a TypedDict, a model, `dict[str, float]`: anything pydantic
    validates) and returned as that shape: a TypedDict gives plain dicts and lists, as json.loads would."""
    return _load(TypeAdapter(shape).validate_python, path, what)


def load_table(path: Path, what: str, columns: Collection[str]) -> list[dict[str, str]]:
    """The rows of a CSV data file as dicts, or one error naming the file when a column or a cell is missing.

    Every row must have a value (possibly empty) for each of `columns`; other columns are kept."""
    try:
        reader = csv.DictReader(path.read_text("utf-8").splitlines())
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"no column {', '.join(sorted(missing))}")
        rows = []
        for row in reader:
            short = [column for column in columns if row[column] is None]
            if short:
                raise ValueError(f"line {reader.line_num} has no {', '.join(short)}")
            rows.append(row)
    except (OSError, ValueError, csv.Error) as exc:
        raise ConfigurationError(f"{what} {path}: {exc}") from exc
    return rows


def _load(validate: Callable[[Any], Shape], path: Path, what: str) -> Shape:
    try:
        return validate(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ConfigurationError(f"{what} {path}: {exc}") from exc
