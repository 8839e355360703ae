package tokenizer

import "strings"

// addedToken is an entry of tokenizer.json's added_tokens.
type addedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// piece is a part of the input: either matched text of an added token
// (id >= 0) or text still to be pre-tokenized (id = -1).
type piece struct {
	text string
	id   int
}

// matcher finds added tokens leftmost-longest, as HF's Aho-Corasick split
// does (MatchKind::LeftmostLongest).
type matcher struct {
	byFirst map[byte][]addedToken // tokens by first byte, longest first
}

func newMatcher(tokens []addedToken) *matcher {
	m := &matcher{byFirst: map[byte][]addedToken{}}
	for _, t := range tokens {
		if t.Content == "" {
			continue
		}
		l := append(m.byFirst[t.Content[0]], t)
		for i := len(l) - 1; i > 0 && len(l[i].Content) > len(l[i-1].Content); i-- {
			l[i], l[i-1] = l[i-1], l[i]
		}
		m.byFirst[t.Content[0]] = l
	}
	return m
}

// split cuts text into pieces at the added tokens it contains.
func (m *matcher) split(text string) []piece {
	if len(m.byFirst) == 0 {
		return []piece{{text, -1}}
	}
	var out []piece
	start := 0
	for i := 0; i < len(text); {
		tok, ok := m.longestAt(text[i:])
		if !ok {
			i++
			continue
		}
		if i > start {
			out = append(out, piece{text[start:i], -1})
		}
		out = append(out, piece{tok.Content, tok.ID})
		i += len(tok.Content)
		start = i
	}
	if start < len(text) {
		out = append(out, piece{text[start:], -1})
	}
	return out
}

func (m *matcher) longestAt(s string) (addedToken, bool) {
	for _, t := range m.byFirst[s[0]] {
		if strings.HasPrefix(s, t.Content) {
			return t, true
		}
	}
	return addedToken{}, false
}
