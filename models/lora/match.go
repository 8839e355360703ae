package lora

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/internal/suggest"
	"github.com/ssmlab/ssmlab/models/lm"
)

// targets resolves c's targets to module paths, sorted; a target that
// matches nothing is an error naming it.
func targets(m lm.Model, c Config) ([]string, error) {
	var all []string
	for n := range m.Linears() {
		all = append(all, n)
	}
	for n := range embeddings(m) {
		all = append(all, n)
	}
	sort.Strings(all)
	var out []string
	switch {
	case c.TargetRegex == "all-linear":
		for n := range m.Linears() {
			if n != "lm_head" {
				out = append(out, n)
			}
		}
	case c.TargetRegex != "" && len(c.TargetModules) > 0:
		return nil, fmt.Errorf("lora: give target modules as a list or as one pattern, not both")
	case c.TargetRegex != "":
		re, err := regexp.Compile("^(?:" + c.TargetRegex + ")$")
		if err != nil {
			return nil, fmt.Errorf("lora: target_modules pattern %q: %v", c.TargetRegex, err)
		}
		for _, n := range all {
			if re.MatchString(n) {
				out = append(out, n)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("lora: target_modules pattern %q matches no linear or embedding of this %s model (%s)", c.TargetRegex, m.Arch(), adaptable(all))
		}
	case len(c.TargetModules) == 0:
		return nil, fmt.Errorf("lora: no target modules")
	default:
		seen := map[string]bool{}
		for _, t := range c.TargetModules {
			found := false
			for _, n := range all {
				if n == t || strings.HasSuffix(n, "."+t) {
					found = true
					if !seen[n] {
						seen[n] = true
						out = append(out, n)
					}
				}
			}
			if !found {
				return nil, fmt.Errorf("lora: target module %q matches no linear or embedding of this %s model%s (adaptable: %s)",
					t, m.Arch(), suggest.Hint(t, shortNames(all)), adaptable(all))
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// shortNames returns the distinct last path components of names.
func shortNames(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		s := n[strings.LastIndex(n, ".")+1:]
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func adaptable(all []string) string { return strings.Join(shortNames(all), ", ") }
