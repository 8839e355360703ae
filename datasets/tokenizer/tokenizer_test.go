package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSplitGPT2(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"hello world", []string{"hello", " world"}},
		{"a  b", []string{"a", " ", " b"}},
		{"a \n b", []string{"a", " \n", " b"}},
		{"end  ", []string{"end", "  "}},
		{"don't DON'T", []string{"don", "'t", " DON", "'", "T"}},
		{"it's 2024!", []string{"it", "'s", " 2024", "!"}},
		{"x=1+2", []string{"x", "=", "1", "+", "2"}},
		{" 's", []string{" '", "s"}},
		{"\n\nx", []string{"\n", "\n", "x"}},
		{"a\u00a0b", []string{"a", "\u00a0", "b"}},
		{"tab\t\tend", []string{"tab", "\t", "\t", "end"}},
		{"😀😀 ok", []string{"😀😀", " ok"}},
		{"日本語のテキスト", []string{"日本語のテキスト"}},
		{"½²³", []string{"½²³"}},
		{" ", []string{" "}},
	}
	for _, c := range cases {
		if got := splitGPT2(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitGPT2(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLossyUTF8(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ok", "ok"},
		{"\xff\xff", "\ufffd\ufffd"},
		{"a\xe6\x97", "a\ufffd"},             // truncated 3-byte sequence: one U+FFFD
		{"\xe0\x80", "\ufffd\ufffd"},         // E0 needs A0-BF next
		{"\xf0\x9f\x98", "\ufffd"},           // truncated emoji
		{"\xf0\x9f\x98\x80x", "\U0001F600x"}, // complete
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"},
	}
	for _, c := range cases {
		if got := lossyUTF8([]byte(c.in)); got != c.want {
			t.Errorf("lossyUTF8(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBytes(t *testing.T) {
	var tok Tokenizer = Bytes{}
	s := "héllo\n\xff"
	ids := tok.Encode(s)
	if len(ids) != len(s) || tok.Decode(ids) != s {
		t.Errorf("round trip: %v -> %q", ids, tok.Decode(ids))
	}
	if got := tok.Decode([]int{BOS, 'a', EOSByte, PAD, 999}); got != "<|bos|>a<|endoftext|><|pad|>" {
		t.Errorf("specials: %q", got)
	}
	if tok.VocabSize()%8 != 0 || tok.VocabSize() <= PAD || tok.EOS() != EOSByte {
		t.Errorf("vocab %d, eos %d", tok.VocabSize(), tok.EOS())
	}
}

// fixture returns the seed-0 tokenizer.json decoded as a generic map.
func fixture(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "tokenizer", "seed0", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func parse(t *testing.T, m map[string]any) (*BPE, error) {
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return Parse("tokenizer.json", b)
}

// TestMergesAsStrings: merges stored as "a b" strings encode the same.
func TestMergesAsStrings(t *testing.T) {
	m := fixture(t)
	pairs, err := parse(t, m)
	if err != nil {
		t.Fatal(err)
	}
	model := m["model"].(map[string]any)
	var strs []string
	for _, p := range model["merges"].([]any) {
		q := p.([]any)
		strs = append(strs, q[0].(string)+" "+q[1].(string))
	}
	model["merges"] = strs
	joined, err := parse(t, m)
	if err != nil {
		t.Fatal(err)
	}
	text := "Question: what's the Lyapunov exponent of Mamba?  Answer: ≤ 0.\n\n"
	if a, b := pairs.Encode(text), joined.Encode(text); !reflect.DeepEqual(a, b) || len(a) == 0 {
		t.Errorf("pairs %v, strings %v", a, b)
	}
}

func TestUnsupported(t *testing.T) {
	cases := []struct {
		edit func(m map[string]any)
		want string
	}{
		{func(m map[string]any) { m["model"].(map[string]any)["type"] = "WordPiece" }, `model: want type BPE, have "WordPiece"`},
		{func(m map[string]any) { m["model"].(map[string]any)["dropout"] = 0.1 }, "dropout"},
		{func(m map[string]any) { m["pre_tokenizer"] = map[string]any{"type": "Metaspace"} }, "pre_tokenizer: want ByteLevel, have Metaspace"},
		{func(m map[string]any) { m["normalizer"] = map[string]any{"type": "Lowercase"} }, "normalizer: want NFC"},
		{func(m map[string]any) { m["added_tokens"].([]any)[0].(map[string]any)["lstrip"] = true }, `added token "<|endoftext|>": lstrip`},
		{func(m map[string]any) { m["model"].(map[string]any)["merges"] = []string{"Ġ zzz"} }, `model.merges: merge 0 ("Ġ", "zzz")`},
	}
	for _, c := range cases {
		m := fixture(t)
		c.edit(m)
		_, err := parse(t, m)
		if err == nil || !strings.HasPrefix(err.Error(), "tokenizer.json: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	if _, err := Parse("x.json", []byte("{")); err == nil || !strings.HasPrefix(err.Error(), "x.json: not a tokenizer.json") {
		t.Errorf("bad JSON: %v", err)
	}
}
