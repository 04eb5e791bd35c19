"""Strict JSON for every output of Maillage: numpy/pandas scalars converted, no NaN/Infinity."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["dumps_strict", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Recursively turn ``obj`` into plain JSON types.

    Mappings become dicts with string keys, sequences and arrays become lists, numpy and
    pandas scalars become Python scalars, non-finite floats and missing values become
    ``None`` (strict JSON has no NaN), dates and paths become strings.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset | np.ndarray | pd.Index):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dt.date | dt.datetime | pd.Timestamp):
        return None if pd.isna(obj) else obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if pd.api.types.is_scalar(obj) and pd.isna(obj):
        return None
    return str(obj)


def dumps_strict(obj: Any, indent: int | None = 2) -> str:
    """Serialise ``obj`` as strict JSON (raises ``ValueError`` on NaN that slipped through)."""
    return json.dumps(to_jsonable(obj), ensure_ascii=False, indent=indent, allow_nan=False)
