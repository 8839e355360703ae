package suite

import (
	"fmt"
	"strings"
)

const digitChars = "0123456789"

// digitsFamily: the same affine map applied to every digit.
func digitsFamily() *Family {
	mk := func(a, b int) Func {
		return Func{Family: "digits", ID: fmt.Sprintf("affine:%dd+%d", a, b),
			Instruction: fmt.Sprintf("Replace each digit d by (%d*d + %d) mod 10.", a, b),
			Apply: func(x string) string {
				out := []byte(x)
				for i, c := range out {
					if c >= '0' && c <= '9' {
						out[i] = '0' + byte((a*int(c-'0')+b)%10)
					}
				}
				return string(out)
			}}
	}
	all := func() []Func {
		var out []Func
		for a := range 10 {
			for b := range 10 {
				if a != 1 || b != 0 {
					out = append(out, mk(a, b))
				}
			}
		}
		return out
	}
	return &Family{Name: "digits", Size: 99,
		Measures: "inferring a digit-wise arithmetic map (lookup and modular arithmetic in context)",
		Params:   "f maps each digit d to (a*d + b) mod 10, a, b in 0..9, not the identity; x: 3 digits",
		Query:    func(r *RNG) string { return r.String(digitChars, 3) },
		Draw:     func(r *RNG) Func { return all()[r.IntN(99)] },
		All:      all}
}

// affixFamily: add a hidden two-letter string before or after the word.
func affixFamily() *Family {
	mk := func(prefix bool, s string) Func {
		if prefix {
			return Func{Family: "affix", ID: "prefix:" + s, Instruction: fmt.Sprintf("Add %q before the word.", s),
				Apply: func(x string) string { return s + x }}
		}
		return Func{Family: "affix", ID: "suffix:" + s, Instruction: fmt.Sprintf("Add %q after the word.", s),
			Apply: func(x string) string { return x + s }}
	}
	return &Family{Name: "affix", Size: 2 * 26 * 26,
		Measures: "copying a string that every demonstration shares (induction)",
		Params:   "f(x) = s+x or x+s for a two-letter string s; x: 3 letters a-z",
		Query:    func(r *RNG) string { return r.String(lower, 3) },
		Draw:     func(r *RNG) Func { return mk(r.IntN(2) == 0, r.String(lower, 2)) },
		Consistent: func(demos []Demo, q, c string) bool {
			for _, prefix := range []bool{true, false} {
				s := c[:min(2, len(c))]
				if !prefix {
					s = c[max(0, len(c)-2):]
				}
				if len(c) == len(q)+2 && agrees(mk(prefix, s), append(demos, Demo{q, c})) {
					return true
				}
			}
			return false
		}}
}

// labelCategories are six kinds of short words; a label function names
// each kind with one of labelNames.
var labelCategories = []struct {
	Kind  string
	Words []string
}{
	{"animal", []string{"cat", "dog", "cow", "pig", "fox", "owl", "hen", "bee", "yak", "ram"}},
	{"color", []string{"red", "tan", "blue", "pink", "gray", "teal", "navy", "lime", "gold", "rust"}},
	{"food", []string{"pie", "jam", "egg", "rice", "soup", "cake", "bun", "tea", "nut", "figs"}},
	{"tool", []string{"saw", "axe", "nail", "rake", "hoe", "vise", "plow", "drill", "file", "awl"}},
	{"body", []string{"arm", "leg", "toe", "ear", "eye", "lip", "hip", "jaw", "knee", "chin"}},
	{"place", []string{"city", "town", "farm", "park", "lake", "hill", "cave", "port", "bay", "mall"}},
}

var labelNames = []string{"foo", "bar", "baz", "qux"}

func labelOf(word string) int {
	for k, c := range labelCategories {
		for _, w := range c.Words {
			if w == word {
				return k
			}
		}
	}
	return -1
}

// labelFamily: classify a word by a hidden kind-to-label map.
func labelFamily() *Family {
	mk := func(m []int) Func {
		id := make([]byte, len(m))
		var parts []string
		for k, l := range m {
			id[k] = byte('0' + l)
			parts = append(parts, labelCategories[k].Kind+" "+labelNames[l])
		}
		return Func{Family: "label", ID: "label:" + string(id),
			Instruction: "Label each word by its kind: " + strings.Join(parts, ", ") + ".",
			Apply: func(x string) string {
				if k := labelOf(x); k >= 0 {
					return labelNames[m[k]]
				}
				return x
			}}
	}
	return &Family{Name: "label", Size: 4096,
		Measures: "in-context classification with arbitrary labels (label binding per category)",
		Params:   "f maps each of 6 word kinds (animal, color, food, tool, body, place) to one of foo, bar, baz, qux; x: one of 60 words",
		Query: func(r *RNG) string {
			c := labelCategories[r.IntN(len(labelCategories))]
			return c.Words[r.IntN(len(c.Words))]
		},
		Draw: func(r *RNG) Func {
			m := make([]int, len(labelCategories))
			for k := range m {
				m[k] = r.IntN(len(labelNames))
			}
			return mk(m)
		},
		Consistent: func(demos []Demo, q, c string) bool {
			seen := map[int]string{}
			for _, d := range append(demos, Demo{q, c}) {
				k := labelOf(d.In)
				if l, ok := seen[k]; k < 0 || (ok && l != d.Out) {
					return false
				}
				seen[k] = d.Out
			}
			return true
		}}
}
