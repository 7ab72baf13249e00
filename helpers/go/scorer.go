// Package scorer is the purchase-intent scorer in Go: the same logic as helpers/scorer.py, line for line.
// It reads the JSON spec written by helpers.production.export_spec and uses only the standard library.
package scorer

import (
	"encoding/json"
	"fmt"
	"math"
)

type Feature struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Categories []string `json:"categories"`
	Integer    bool     `json:"integer"`
	Min        *float64 `json:"min"`
	Max        *float64 `json:"max"`
}

type Node struct {
	Leaf        *float64 `json:"leaf"`
	Feature     int      `json:"feature"`
	Threshold   float64  `json:"threshold"`
	MissingLeft bool     `json:"missing_left"`
	Left        int      `json:"left"`
	Right       int      `json:"right"`
}

type Spec struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"format_version"`
	ModelVersion  string    `json:"model_version"`
	Features      []Feature `json:"features"`
	Model         struct {
		Baseline float64  `json:"baseline"`
		Trees    [][]Node `json:"trees"`
	} `json:"model"`
	DecisionThreshold float64 `json:"decision_threshold"`
}

// LoadSpec parses a spec and checks its format and version.
func LoadSpec(text []byte) (*Spec, error) {
	var spec Spec
	if err := json.Unmarshal(text, &spec); err != nil {
		return nil, err
	}
	if spec.Format != "purchase-intent-trees" || spec.FormatVersion != 1 {
		return nil, fmt.Errorf("not a purchase-intent-trees spec of format_version 1")
	}
	return &spec, nil
}

// Request holds one session: numbers as float64, the month as a string.
type Request map[string]interface{}

// Check enforces the input contract; the error names the field and what was expected.
func (s *Spec) Check(r Request) error {
	if len(r) != len(s.Features) {
		return fmt.Errorf("request has %d fields, expected exactly %d", len(r), len(s.Features))
	}
	for _, f := range s.Features {
		value, ok := r[f.Name]
		if !ok {
			return fmt.Errorf("request lacks the field %s", f.Name)
		}
		if f.Type == "category" {
			text, isText := value.(string)
			if !isText || index(f.Categories, text) < 0 {
				return fmt.Errorf("%s must be one of %v (case matters), got %v", f.Name, f.Categories, value)
			}
			continue
		}
		number, isNumber := value.(float64)
		if !isNumber || math.IsNaN(number) || math.IsInf(number, 0) {
			return fmt.Errorf("%s must be a finite number, got %v", f.Name, value)
		}
		if f.Integer && number != math.Trunc(number) {
			return fmt.Errorf("%s must be a whole number, got %v", f.Name, number)
		}
		if (f.Min != nil && number < *f.Min) || (f.Max != nil && number > *f.Max) {
			return fmt.Errorf("%s is out of range, got %v", f.Name, number)
		}
	}
	return nil
}

// Score returns the probability of a purchase for a request that passed Check.
// A category becomes its 0-based index in the spec's list: for Month, its calendar index (January 0).
func (s *Spec) Score(r Request) float64 {
	x := make([]float64, len(s.Features))
	for i, f := range s.Features {
		if f.Type == "category" {
			x[i] = float64(index(f.Categories, r[f.Name].(string)))
		} else {
			x[i] = r[f.Name].(float64)
		}
	}
	raw := 0.0 + s.Model.Baseline
	for _, tree := range s.Model.Trees {
		node := tree[0]
		for node.Leaf == nil {
			value := x[node.Feature]
			goLeft := value <= node.Threshold
			if math.IsNaN(value) {
				goLeft = node.MissingLeft
			}
			if goLeft {
				node = tree[node.Left]
			} else {
				node = tree[node.Right]
			}
		}
		raw += *node.Leaf
	}
	return 1.0 / (1.0 + math.Exp(-raw))
}

func index(items []string, item string) int {
	for i, candidate := range items {
		if candidate == item {
			return i
		}
	}
	return -1
}
