"""The Go scorer shipped with chapter 02 gives the same scores as the Python one (skipped without Go)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from helpers import data, production, scorer
from helpers.paths import PACKAGE_DIR

GO = shutil.which("go")
MAIN = """package main

import (
	"bufio"
	"fmt"
	"os"

	"example.com/check/scorer"
	"encoding/json"
)

func main() {
	text, _ := os.ReadFile(os.Args[1])
	spec, err := scorer.LoadSpec(text)
	if err != nil { panic(err) }
	lines := bufio.NewScanner(os.Stdin)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	for lines.Scan() {
		var request scorer.Request
		if err := json.Unmarshal(lines.Bytes(), &request); err != nil { panic(err) }
		if err := spec.Check(request); err != nil { fmt.Println("invalid:", err); continue }
		fmt.Printf("%.17g\\n", spec.Score(request))
	}
}
"""


@pytest.mark.skipif(GO is None, reason="Go is not installed (Debian: apt-get install golang-go)")
def test_go_scorer_matches_python(tmp_path, sessions):
    split = data.fixed_split(sessions)
    model = production.build_production_model(split.X_train, split.y_train)
    spec = production.export_spec(model, threshold=0.3, training_sha256=data.SESSIONS_SHA256,
                                  training_rows=len(split.X_train), metrics={})
    (tmp_path / "spec.json").write_text(production.spec_to_json(spec), encoding="utf-8")
    (tmp_path / "scorer").mkdir()
    shutil.copy(PACKAGE_DIR / "go" / "scorer.go", tmp_path / "scorer" / "scorer.go")
    (tmp_path / "main.go").write_text(MAIN, encoding="utf-8")
    (tmp_path / "go.mod").write_text("module example.com/check\n\ngo 1.19\n", encoding="utf-8")
    requests = [{k: (str(v) if k == "Month" else float(v)) for k, v in row.items()}
                for row in split.X_test[production.PRODUCTION_FIELDS].astype(object).to_dict("records")]
    months = [{**requests[0], "Month": month} for month in ("Jan", "Apr")]
    requests = requests + months + [{**requests[0], "ExitRates": 1.7}]
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOCACHE": str(tmp_path / "cache"),
           "GOPATH": str(tmp_path / "gopath"), "GOPROXY": "off"}
    result = subprocess.run([GO, "run", ".", "spec.json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            input="\n".join(json.dumps(r) for r in requests) + "\n", timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(requests) and lines[-1].startswith("invalid: ExitRates is out of range")
    go_scores = np.array([float(line) for line in lines[:-1]])
    loaded = scorer.load_spec(production.spec_to_json(spec))
    python_scores = np.array([scorer.score(loaded, r) for r in requests[:-1]])
    assert np.abs(go_scores - python_scores).max() <= 1e-12


@pytest.fixture(scope="module")
def production_spec(split):
    """The production model's spec as JSON text and as the plain scorer loads it, built once for this file."""
    model = production.build_production_model(split.X_train, split.y_train)
    text = production.spec_to_json(production.export_spec(model, threshold=0.3, training_sha256="x",
                                                          training_rows=1, metrics={}))
    return text, scorer.load_spec(text)


@pytest.mark.skipif(GO is None, reason="Go is not installed (Debian: apt-get install golang-go)")
def test_run_go_scorer_serves_january_and_april_and_times_each_request(production_spec):
    text, loaded = production_spec
    base = {"Administrative": 2, "Informational": 0, "ProductRelated": 31, "BounceRates": 0.01,
            "ExitRates": 0.03, "PageValues": 12.5}
    requests = [{"Month": month, **base} for month in production.CALENDAR_MONTHS] + [{"Month": "Sept", **base}]
    run = production.run_go_scorer(text, requests)
    python = np.array([scorer.score_checked(loaded, r) for r in requests[:-1]])
    assert np.abs(run.probabilities[:-1] - python).max() <= 1e-12 and (run.probabilities[:-1] > 0).all()
    assert run.errors[:-1] == [None] * 12 and run.errors[-1].startswith("Month must be one of")
    assert np.isnan(run.probabilities[-1]) and len(run.seconds) == 13 and (run.seconds >= 0).all()
    assert 0 < run.peak_rss_mb < 500


def test_run_go_scorer_refuses_bad_arguments(monkeypatch):
    monkeypatch.setattr(production, "go_executable", lambda: None)
    with pytest.raises(FileNotFoundError, match=r"^Go is not installed \(Debian/Ubuntu: apt-get install golang-go\)$"):
        production.run_go_scorer("{}", [{}])
    with pytest.raises(ValueError, match="^requests must hold at least one request$"):
        production.run_go_scorer("{}", [], go="go")
    with pytest.raises(TypeError, match=r"^spec_text must be the spec's JSON text \(str\), got dict$"):
        production.run_go_scorer({"format": 1}, [{}], go="go")


@pytest.mark.skipif(GO is None, reason="Go is not installed (Debian: apt-get install golang-go)")
def test_go_scorer_sends_values_on_a_threshold_left_like_python(production_spec):
    text, loaded = production_spec
    base = {"Month": "Nov", "Administrative": 2, "Informational": 0, "ProductRelated": 31, "BounceRates": 0.01,
            "ExitRates": 0.03, "PageValues": 12.5}
    requests = production.threshold_requests(loaded, base)
    run = production.run_go_scorer(text, requests)
    python = []
    for request in requests:  # counts halfway between whole numbers break the contract, in both languages
        try:
            python.append(scorer.score_checked(loaded, request))
        except scorer.InvalidRequest:
            python.append(float("nan"))
    python = np.array(python)
    assert np.array_equal(np.isnan(run.probabilities), np.isnan(python))
    valid = ~np.isnan(python)
    april = [i for i, r in enumerate(requests) if r["Month"] == "Apr"]
    assert valid.sum() > len(requests) / 3 and april and valid[april].all()
    assert np.abs(run.probabilities[valid] - python[valid]).max() <= 1e-12
