"""Configuration files (config/*.json): read into their pydantic model, or one error naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from pakn.domain.errors import ConfigurationError

CONFIG_DIR = Path(__file__).parents[1] / "config"

Model = TypeVar("Model", bound=BaseModel)


def load_config(model: type[Model], path: Path, what: str) -> Model:
    try:
        return model.model_validate(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ConfigurationError(f"{what} {path}: {exc}") from exc
