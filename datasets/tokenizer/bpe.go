package tokenizer

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// BPE is a byte-level BPE tokenizer loaded from a Hugging Face
// tokenizer.json (see Load). It is safe for concurrent use.
type BPE struct {
	vocab        map[string]int
	tokens       map[int]string // id -> token text, added tokens included
	special      map[int]bool
	merges       map[[2]int]merge
	ignoreMerges bool
	normalize    []norm.Form // applied in order
	prefixSpace  bool        // ByteLevel add_prefix_space
	useRegex     bool        // ByteLevel use_regex
	raw, normed  *matcher    // added tokens matched before / after normalizing
	vocabSize    int
	eos          int
	path         string // the tokenizer.json it was loaded from, if any
	mu           sync.Mutex
	cache        map[string][]int
}

type merge struct{ rank, id int }

// Encode returns the ids HF tokenizers gives for text with
// add_special_tokens=False (this post-processor adds none anyway).
func (t *BPE) Encode(text string) []int {
	var ids []int
	for _, p := range t.raw.split(text) {
		if p.id >= 0 {
			ids = append(ids, p.id)
			continue
		}
		s := p.text
		for _, f := range t.normalize {
			s = f.String(s)
		}
		for _, q := range t.normed.split(s) {
			if q.id >= 0 {
				ids = append(ids, q.id)
				continue
			}
			ids = t.encodePiece(ids, q.text)
		}
	}
	return ids
}

// encodePiece pre-tokenizes one piece of text and appends the BPE ids of
// each pre-token.
func (t *BPE) encodePiece(ids []int, s string) []int {
	if t.prefixSpace && !strings.HasPrefix(s, " ") {
		s = " " + s
	}
	words := []string{s}
	if t.useRegex {
		words = splitGPT2(s)
	}
	for _, w := range words {
		ids = append(ids, t.word(w)...)
	}
	return ids
}

// word returns the BPE ids of one pre-token, cached.
func (t *BPE) word(w string) []int {
	t.mu.Lock()
	ids, ok := t.cache[w]
	t.mu.Unlock()
	if ok {
		return ids
	}
	ids = t.bpe(w)
	t.mu.Lock()
	if len(t.cache) > 1<<16 {
		clear(t.cache)
	}
	t.cache[w] = ids
	t.mu.Unlock()
	return ids
}

// bpe maps the bytes of w to characters and merges adjacent symbols,
// always the pair of lowest rank, leftmost first, until none merges.
// Characters missing from the vocabulary are dropped (there is no unknown
// token in a byte-level vocabulary).
func (t *BPE) bpe(w string) []int {
	chars := string(byteLevel(w))
	if t.ignoreMerges {
		if id, ok := t.vocab[chars]; ok {
			return []int{id}
		}
	}
	syms := make([]int, 0, len(chars))
	for _, r := range chars {
		if id, ok := t.vocab[string(r)]; ok {
			syms = append(syms, id)
		}
	}
	for len(syms) > 1 {
		best, at := merge{rank: -1}, -1
		for i := 0; i+1 < len(syms); i++ {
			if m, ok := t.merges[[2]int{syms[i], syms[i+1]}]; ok && (at < 0 || m.rank < best.rank) {
				best, at = m, i
			}
		}
		if at < 0 {
			break
		}
		syms[at] = best.id
		syms = append(syms[:at+1], syms[at+2:]...)
	}
	return syms
}

// Decode joins the tokens of ids and maps byte-level characters back to
// bytes, as HF's ByteLevel decoder does: a token with a character outside
// the byte map (an added token such as "  ") is taken as UTF-8 text.
// Invalid UTF-8 becomes U+FFFD per maximal invalid sequence, as Rust's
// from_utf8_lossy does. Special tokens are kept; unknown ids are skipped.
func (t *BPE) Decode(ids []int) string {
	var buf []byte
	for _, id := range ids {
		tok, ok := t.tokens[id]
		if !ok {
			continue
		}
		start := len(buf)
		for _, r := range tok {
			b, ok := runeToByte[r]
			if !ok {
				buf = append(buf[:start], tok...)
				break
			}
			buf = append(buf, b)
		}
	}
	return lossyUTF8(buf)
}

// VocabSize is one more than the largest id.
func (t *BPE) VocabSize() int { return t.vocabSize }

// EOS is the id of the end-of-text token (see Load), or -1.
func (t *BPE) EOS() int { return t.eos }

// IsSpecial says whether id is a special added token.
func (t *BPE) IsSpecial(id int) bool { return t.special[id] }

// lossyUTF8 converts b to a string, replacing each maximal invalid
// subsequence by one U+FFFD (Unicode's recommended practice, which Rust's
// String::from_utf8_lossy follows; Go's strings.ToValidUTF8 differs).
func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var out strings.Builder
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			out.Write(b[i : i+n])
			i += n
			continue
		}
		out.WriteRune(utf8.RuneError)
		i += maximalSubpart(b[i:])
	}
	return out.String()
}

// maximalSubpart is the length of the invalid sequence at the start of b
// that one U+FFFD replaces: a lead byte plus the continuation bytes that
// could still have completed it.
func maximalSubpart(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c >= 0xE0 && c <= 0xEF:
		need = 2
		if c == 0xE0 {
			lo = 0xA0
		} else if c == 0xED {
			hi = 0x9F
		}
	case c >= 0xF0 && c <= 0xF4:
		need = 3
		if c == 0xF0 {
			lo = 0x90
		} else if c == 0xF4 {
			hi = 0x8F
		}
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}
