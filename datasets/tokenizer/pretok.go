package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitGPT2 cuts s the way the GPT-2 / GPT-NeoX pre-tokenizer regex does:
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// Go's regexp has no lookahead, so the alternatives are tried by hand in
// order at each position. \s is Unicode White_Space as Oniguruma (HF's
// regex engine) defines it, which equals unicode.IsSpace.
func splitGPT2(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		n := matchGPT2(s[i:])
		out = append(out, s[i:i+n])
		i += n
	}
	return out
}

var contractions = []string{"s", "t", "re", "ve", "m", "ll", "d"}

// matchGPT2 returns the length of the regex match at the start of s.
func matchGPT2(s string) int {
	if s[0] == '\'' {
		for _, c := range contractions {
			if strings.HasPrefix(s[1:], c) {
				return 1 + len(c)
			}
		}
	}
	j := 0
	if s[0] == ' ' && len(s) > 1 {
		j = 1
	}
	if r, _ := utf8.DecodeRuneInString(s[j:]); j < len(s) {
		switch {
		case unicode.IsLetter(r):
			return j + run(s[j:], unicode.IsLetter)
		case unicode.IsNumber(r):
			return j + run(s[j:], unicode.IsNumber)
		case !unicode.IsSpace(r):
			return j + run(s[j:], isOther)
		}
	}
	// A whitespace run: \s+(?!\S) leaves the last space for the next word
	// when a non-space follows and the run is longer than one character;
	// otherwise \s+ takes the whole run.
	n := run(s, unicode.IsSpace)
	if n == len(s) {
		return n
	}
	_, last := utf8.DecodeLastRuneInString(s[:n])
	if n > last {
		return n - last
	}
	return n
}

func isOther(r rune) bool { return !unicode.IsSpace(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r) }

// run is the byte length of the longest prefix of s whose runes satisfy in.
func run(s string, in func(rune) bool) int {
	for i, r := range s {
		if !in(r) {
			return i
		}
	}
	return len(s)
}
