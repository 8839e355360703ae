package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Diff lists the settings that differ between two configs, for the
// message that refuses to reuse a trial made by another config.
func Diff(old, cur Config) string {
	var a, b any
	json.Unmarshal(old.Trial, &a)
	json.Unmarshal(cur.Trial, &b)
	fa, fb := map[string]string{}, map[string]string{}
	flatten("", a, fa)
	flatten("", b, fb)
	var diffs []string
	for k, v := range fb {
		if fa[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: %s -> %s", k, orNone(fa[k]), v))
		}
	}
	for k, v := range fa {
		if _, ok := fb[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: %s -> (none)", k, v))
		}
	}
	if old.Version != cur.Version {
		diffs = append(diffs, fmt.Sprintf("kind version: %s -> %s", orNone(old.Version), orNone(cur.Version)))
	}
	diffs = append(diffs, diffInputs(old.Inputs, cur.Inputs)...)
	sort.Strings(diffs)
	if len(diffs) > 3 {
		diffs = append(diffs[:3], fmt.Sprintf("and %d more", len(diffs)-3))
	}
	if len(diffs) == 0 {
		return "hash " + old.Hash
	}
	return strings.Join(diffs, "; ")
}

func flatten(prefix string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, x, out)
		}
		return
	}
	b, _ := json.Marshal(v)
	out[prefix] = string(b)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
