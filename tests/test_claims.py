"""The claims mechanism, and the number of checked claims per chapter (so that none silently disappears)."""

from __future__ import annotations

import ast

import notebooks  # tools/notebooks.py
import numpy as np
import pytest

import helpers
from helpers.claims import ClaimBroken

#: How many ``helpers.claim(...)`` checks each chapter makes. Change a number only together with the prose.
EXPECTED_CLAIMS = {
    "00_start_here": 3,
    "01_prototype": 29,
    "02_simplify_for_production": 64,
    "03_ab_testing": 48,
    "04_bandits": 59,
    "05_faster_safer_experiments": 53,
    "06_contextual_bandits": 45,
}


def count_claims(source_text: str) -> int:
    """The number of calls to ``helpers.claim`` in a chapter's code."""
    tree = ast.parse("\n".join(line for line in source_text.splitlines()
                               if not line.lstrip().startswith(("%", "!"))))
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Call)
               and isinstance(node.func, ast.Attribute) and node.func.attr == "claim"
               and isinstance(node.func.value, ast.Name) and node.func.value.id == "helpers")


def test_a_claim_that_holds_is_silent(capsys):
    assert helpers.claim(2 > 1, "two exceeds one") is None
    assert helpers.claim(np.float64(0.3) < 0.5, "a NumPy comparison works too") is None
    assert capsys.readouterr() == ("", "")


def test_a_broken_claim_fails_and_names_itself():
    with pytest.raises(ClaimBroken, match="boosting beats the baseline"):
        helpers.claim(0.91 > 0.95, "boosting beats the baseline")
    assert issubclass(ClaimBroken, AssertionError)


@pytest.mark.parametrize("condition", [np.array([True, False]), 1, "yes", None, 0.0])
def test_a_condition_must_be_one_truth_value(condition):
    with pytest.raises(TypeError, match="condition must be"):
        helpers.claim(condition, "some claim")


@pytest.mark.parametrize("statement", ["", "   ", None, 3])
def test_a_claim_must_say_what_it_claims(statement):
    with pytest.raises(TypeError, match="statement must be a non-empty string"):
        helpers.claim(True, statement)


def test_counting_finds_calls_and_ignores_other_names():
    text = "helpers.claim(a > b, 'x')\nclaim(c, 'y')\n%timeit f()\nhelpers.claims.claim(d, 'z')\n"
    assert count_claims(text) == 1


@pytest.mark.parametrize("source", notebooks.sources(), ids=[s.stem for s in notebooks.sources()])
def test_every_chapter_keeps_its_claims(source):
    assert source.stem in EXPECTED_CLAIMS, f"add {source.stem} to EXPECTED_CLAIMS"
    found = count_claims(source.read_text(encoding="utf-8"))
    assert found == EXPECTED_CLAIMS[source.stem], (
        f"{source.stem} checks {found} claims, EXPECTED_CLAIMS says {EXPECTED_CLAIMS[source.stem]}: "
        "a claim was removed or added without updating the table")
