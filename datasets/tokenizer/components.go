package tokenizer

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"golang.org/x/text/unicode/norm"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// readComponents checks the normalizer, pre-tokenizer, post-processor and
// decoder are ones BPE reproduces, and records their settings.
func (t *BPE) readComponents(tj *tokenizerJSON) error {
	if err := t.readNormalizer(tj.Normalizer); err != nil {
		return fmt.Errorf("normalizer: %v", err)
	}
	pt := tj.PreTokenizer
	if pt != nil && pt.Type == "Sequence" && len(pt.PreTokenizers) == 1 {
		pt = &pt.PreTokenizers[0]
	}
	if pt == nil || pt.Type != "ByteLevel" {
		return fmt.Errorf("pre_tokenizer: want ByteLevel, have %s", describe(pt))
	}
	t.prefixSpace = pt.AddPrefixSpace
	t.useRegex = pt.UseRegex == nil || *pt.UseRegex
	for _, c := range []struct {
		name string
		c    *component
	}{{"post_processor", tj.PostProcessor}, {"decoder", tj.Decoder}} {
		if c.c != nil && c.c.Type != "ByteLevel" {
			return fmt.Errorf("%s: want ByteLevel or null, have %s", c.name, describe(c.c))
		}
	}
	return nil
}

var forms = map[string]norm.Form{"NFC": norm.NFC, "NFD": norm.NFD, "NFKC": norm.NFKC, "NFKD": norm.NFKD}

func (t *BPE) readNormalizer(c *component) error {
	if c == nil {
		return nil
	}
	if c.Type == "Sequence" {
		for i := range c.Normalizers {
			if err := t.readNormalizer(&c.Normalizers[i]); err != nil {
				return err
			}
		}
		return nil
	}
	f, ok := forms[c.Type]
	if !ok {
		return fmt.Errorf("want NFC, NFD, NFKC, NFKD, a Sequence of them or null, have %s", c.Type)
	}
	t.normalize = append(t.normalize, f)
	return nil
}

func describe(c *component) string {
	if c == nil {
		return "null"
	}
	return c.Type
}

// siblingEOS reads eos_token from tokenizer_config.json or
// special_tokens_map.json in dir; it may be a string or {"content": ...}.
func siblingEOS(dir string) (string, bool) {
	for _, name := range []string{"tokenizer_config.json", "special_tokens_map.json"} {
		b, err := fsx.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		var cfg struct {
			EOS json.RawMessage `json:"eos_token"`
		}
		if json.Unmarshal(b, &cfg) != nil || cfg.EOS == nil {
			continue
		}
		var s string
		if json.Unmarshal(cfg.EOS, &s) == nil {
			return s, true
		}
		var obj struct {
			Content string `json:"content"`
		}
		if json.Unmarshal(cfg.EOS, &obj) == nil && obj.Content != "" {
			return obj.Content, true
		}
	}
	return "", false
}
