package tokenizer

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary tokenizer.json bytes to Parse: it returns a
// tokenizer or an error, never panics, and a tokenizer it returns encodes
// and decodes text.
func FuzzParse(f *testing.F) {
	for _, p := range []string{
		filepath.Join("..", "..", "testdata", "tokenizer", "seed0", "tokenizer.json"),
		filepath.Join("..", "..", "testdata", "tokenizer", "seed1", "tokenizer.json"),
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(bytesTokenizerJSON())
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]},"added_tokens":[{"id":3,"content":"<|endoftext|>"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tk, err := Parse("tokenizer.json", b)
		if err != nil {
			return
		}
		ids := tk.Encode("hello <|endoftext|> wörld\n\t")
		tk.Decode(ids)
	})
}
