"""The production scorer in plain Python: the standard library only, no numpy, pandas or scikit-learn.

It reads the model spec that :func:`helpers.production.export_spec` writes (JSON) and scores one request, a
dict of field name to value. A serving team can port these few dozen lines to Go or Java line by line
(``helpers/go/scorer.go`` is the same scorer in Go).

- :func:`score` trusts its input, like the scikit-learn pipeline does: it is the reference for the parity test.
- :func:`check_request` enforces the input contract written in the spec, and :func:`score_checked` rejects a bad
  request with :class:`InvalidRequest`, whose message names the field and what was expected.
"""

from __future__ import annotations

import json
import math

SPEC_FORMAT = "purchase-intent-trees"
SPEC_VERSION = 1


class InvalidRequest(ValueError):
    """A request that breaks the input contract; the message names the field and what was expected."""


def load_spec(text: str) -> dict:
    """Parse a spec from its JSON text and check its format and version."""
    spec = json.loads(text)
    if not isinstance(spec, dict) or spec.get("format") != SPEC_FORMAT:
        raise ValueError(f"not a {SPEC_FORMAT} spec")
    if spec.get("format_version") != SPEC_VERSION:
        raise ValueError(f"spec format_version {spec.get('format_version')!r}; this scorer reads {SPEC_VERSION}")
    return spec


def encode(spec: dict, request: dict) -> list[float]:
    """Turn a request into the model's input vector: numbers as floats, a category as its index in the spec."""
    row = []
    for feature in spec["features"]:
        value = request[feature["name"]]
        if feature["type"] == "category":
            value = feature["categories"].index(value)
        row.append(float(value))
    return row


def score(spec: dict, request: dict) -> float:
    """Probability of a purchase: the baseline plus one leaf value per tree, through the logistic function."""
    x = encode(spec, request)
    raw = 0.0 + spec["model"]["baseline"]
    for tree in spec["model"]["trees"]:
        node = tree[0]
        while "leaf" not in node:
            value = x[node["feature"]]
            go_left = node["missing_left"] if math.isnan(value) else value <= node["threshold"]
            node = tree[node["left"] if go_left else node["right"]]
        raw += node["leaf"]
    return 1.0 / (1.0 + math.exp(-raw))


def check_request(spec: dict, request: object) -> None:
    """Raise :class:`InvalidRequest` unless the request has exactly the spec's fields, each valid."""
    if not isinstance(request, dict):
        raise InvalidRequest(f"request must be a JSON object (dict), got {type(request).__name__}")
    names = [feature["name"] for feature in spec["features"]]
    missing = [name for name in names if name not in request]
    extra = sorted(str(name) for name in request if name not in names)
    if missing or extra:
        raise InvalidRequest(f"request fields: missing {missing}, unexpected {extra}; expected exactly {names}")
    for feature in spec["features"]:
        name, value = feature["name"], request[feature["name"]]
        if feature["type"] == "category":
            if not isinstance(value, str) or value not in feature["categories"]:
                raise InvalidRequest(f"{name} must be one of {feature['categories']} (case matters), "
                                     f"got {value!r}")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidRequest(f"{name} must be a number, got {type(value).__name__} {value!r}")
        if not math.isfinite(value):
            raise InvalidRequest(f"{name} must be a finite number, got {value!r}")
        if feature.get("integer") and value != int(value):
            raise InvalidRequest(f"{name} must be a whole number, got {value!r}")
        low, high = feature.get("min"), feature.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"between {low} and {high}"
            raise InvalidRequest(f"{name} must be {bounds}, got {value!r}")


def score_checked(spec: dict, request: object) -> float:
    """Check the request against the contract, then score it."""
    check_request(spec, request)
    return score(spec, request)
