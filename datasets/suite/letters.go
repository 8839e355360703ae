package suite

import (
	"fmt"
	"strings"
)

const lower = "abcdefghijklmnopqrstuvwxyz"

// shiftFamily: Caesar shifts of lowercase letters.
func shiftFamily() *Family {
	mk := func(s int) Func {
		return Func{Family: "shift", ID: fmt.Sprintf("shift+%d", s),
			Instruction: fmt.Sprintf("Shift each letter %d places forward in the alphabet.", s),
			Apply: func(x string) string {
				b := []byte(x)
				for i, c := range b {
					if c >= 'a' && c <= 'z' {
						b[i] = 'a' + (c-'a'+byte(s))%26
					}
				}
				return string(b)
			}}
	}
	return &Family{Name: "shift", Size: 25,
		Measures: "inferring a shift amount from letter pairs (alphabet arithmetic in context)",
		Params:   "f(x) = x with each letter moved s places forward, s in 1..25; x: 3-5 letters a-z",
		Query:    func(r *RNG) string { return r.String(lower, r.Range(3, 5)) },
		Draw:     func(r *RNG) Func { return mk(1 + r.IntN(25)) },
		All: func() []Func {
			var out []Func
			for s := 1; s <= 25; s++ {
				out = append(out, mk(s))
			}
			return out
		}}
}

const substAlphabet = "abcdefgh"

// substFamily: substitution ciphers over eight letters.
func substFamily() *Family {
	mk := func(img string) Func {
		return Func{Family: "subst", ID: "subst:" + img,
			Instruction: fmt.Sprintf("Replace the letters %s by %s.", substAlphabet, img),
			Apply: func(x string) string {
				b := []byte(x)
				for i, c := range b {
					if j := strings.IndexByte(substAlphabet, c); j >= 0 {
						b[i] = img[j]
					}
				}
				return string(b)
			}}
	}
	return &Family{Name: "subst", Size: 40319,
		Measures: "recalling letter bindings seen in context (associative recall, induction)",
		Params:   "f = a permutation of the letters a-h other than the identity; x: 4 letters from a-h",
		Query:    func(r *RNG) string { return r.String(substAlphabet, 4) },
		Draw: func(r *RNG) Func {
			for {
				p := r.Perm(len(substAlphabet))
				b := make([]byte, len(p))
				for i, j := range p {
					b[i] = substAlphabet[j]
				}
				if string(b) != substAlphabet {
					return mk(string(b))
				}
			}
		},
		Consistent: func(demos []Demo, q, c string) bool {
			return injective(append(demos, Demo{q, c}))
		}}
}

// injective says whether the letter pairs of demos form a one-to-one
// partial map, which a permutation then extends.
func injective(demos []Demo) bool {
	fwd, back := map[byte]byte{}, map[byte]byte{}
	for _, d := range demos {
		if len(d.In) != len(d.Out) {
			return false
		}
		for i := range len(d.In) {
			a, b := d.In[i], d.Out[i]
			if x, ok := fwd[a]; ok && x != b {
				return false
			}
			if y, ok := back[b]; ok && y != a {
				return false
			}
			fwd[a], back[b] = b, a
		}
	}
	return true
}

// permuteFamily: fixed rearrangements of four letters.
func permuteFamily() *Family {
	mk := func(p []int) Func {
		pos := make([]string, len(p))
		id := make([]byte, len(p))
		for i, j := range p {
			pos[i] = fmt.Sprint(j + 1)
			id[i] = byte('0' + j)
		}
		return Func{Family: "permute", ID: "perm:" + string(id),
			Instruction: "Rearrange the letters in the order " + strings.Join(pos, ", ") + ".",
			Apply: func(x string) string {
				if len(x) != len(p) {
					return x
				}
				b := make([]byte, len(p))
				for i, j := range p {
					b[i] = x[j]
				}
				return string(b)
			}}
	}
	all := func() []Func {
		var out []Func
		for _, p := range perms(4) {
			if !(p[0] == 0 && p[1] == 1 && p[2] == 2 && p[3] == 3) {
				out = append(out, mk(p))
			}
		}
		return out
	}
	return &Family{Name: "permute", Size: 23,
		Measures: "inferring a positional rearrangement (copying by position)",
		Params:   "f(x)_i = x_p(i) for a permutation p of 4 positions other than the identity; x: 4 distinct letters a-z",
		Query: func(r *RNG) string {
			p := r.Perm(26)
			return string([]byte{lower[p[0]], lower[p[1]], lower[p[2]], lower[p[3]]})
		},
		Draw: func(r *RNG) Func { return all()[r.IntN(23)] },
		All:  all}
}

// perms lists the permutations of 0..n-1 in lexicographic order.
func perms(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range perms(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// caseFamily: capitalize a fixed set of positions.
func caseFamily() *Family {
	mk := func(mask int) Func {
		var pos []string
		id := make([]byte, 5)
		for i := range 5 {
			id[i] = '0'
			if mask>>i&1 == 1 {
				pos = append(pos, fmt.Sprint(i+1))
				id[i] = '1'
			}
		}
		return Func{Family: "case", ID: "case:" + string(id),
			Instruction: "Capitalize letters " + strings.Join(pos, ", ") + ".",
			Apply: func(x string) string {
				b := []byte(x)
				for i := range min(len(b), 5) {
					if mask>>i&1 == 1 && b[i] >= 'a' && b[i] <= 'z' {
						b[i] -= 'a' - 'A'
					}
				}
				return string(b)
			}}
	}
	return &Family{Name: "case", Size: 31,
		Measures: "inferring a positional pattern (which letters change case)",
		Params:   "f(x) = x with the letters at a fixed non-empty set of the 5 positions capitalized; x: 5 letters a-z",
		Query:    func(r *RNG) string { return r.String(lower, 5) },
		Draw:     func(r *RNG) Func { return mk(1 + r.IntN(31)) },
		All: func() []Func {
			var out []Func
			for m := 1; m < 32; m++ {
				out = append(out, mk(m))
			}
			return out
		}}
}
