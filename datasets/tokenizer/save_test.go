package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The byte tokenizer saved as an HF tokenizer.json encodes text to the same
// ids when read back as a BPE, and generation_config.json names its ids.
func TestSaveHFBytesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := SaveHF(dir, Bytes{}); err != nil {
		t.Fatal(err)
	}
	bpe, err := Load(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"hello world", "  two  spaces\n\ttab", "héllo → ✓ 日本", "a -> b; c -> d", "\x00\xff raw"} {
		if got, want := bpe.Encode(s), (Bytes{}).Encode(s); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: saved tokenizer gives %v, Bytes %v", s, got, want)
		}
	}
	if bpe.EOS() != EOSByte {
		t.Errorf("EOS %d, want %d", bpe.EOS(), EOSByte)
	}
	var gen map[string]int
	b, _ := os.ReadFile(filepath.Join(dir, "generation_config.json"))
	if json.Unmarshal(b, &gen) != nil || gen["eos_token_id"] != EOSByte || gen["pad_token_id"] != PAD || gen["bos_token_id"] != BOS {
		t.Errorf("generation_config.json: %s", b)
	}
	// saved again from the loaded copy: the same files
	again := t.TempDir()
	if err := SaveHF(again, bpe); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	c, _ := os.ReadFile(filepath.Join(again, "tokenizer.json"))
	if string(a) != string(c) {
		t.Error("a loaded BPE is not saved as the file it came from")
	}
}
