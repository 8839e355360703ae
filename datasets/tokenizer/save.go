package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// SaveHF writes t into a model directory the way Hugging Face expects it
// beside the weights: tokenizer.json, tokenizer_config.json,
// special_tokens_map.json and generation_config.json (its BOS, EOS and PAD
// ids), so AutoTokenizer.from_pretrained and generate work on the folder.
//
// A BPE tokenizer's files are the ones it was loaded from, copied. Bytes is
// written as an equivalent byte-level BPE with no merges: the 256 bytes as
// tokens 0-255 (GPT-2's byte-to-unicode spelling) and BOS, EOS and PAD as
// added tokens 256-258, which encodes any text to the same ids, except a
// literal "<|endoftext|>" in the text, which HF reads as the special token.
func SaveHF(dir string, t Tokenizer) error {
	files := map[string][]byte{}
	var bos, eos, pad int
	switch tk := t.(type) {
	case Bytes:
		files["tokenizer.json"] = bytesTokenizerJSON()
		cfg, _ := json.MarshalIndent(map[string]any{
			"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": byteSpecials[BOS], "eos_token": byteSpecials[EOSByte],
			"pad_token": byteSpecials[PAD], "add_bos_token": false, "add_eos_token": false, "clean_up_tokenization_spaces": false,
		}, "", "  ")
		files["tokenizer_config.json"] = cfg
		sm, _ := json.MarshalIndent(map[string]string{"bos_token": byteSpecials[BOS], "eos_token": byteSpecials[EOSByte], "pad_token": byteSpecials[PAD]}, "", "  ")
		files["special_tokens_map.json"] = sm
		bos, eos, pad = BOS, EOSByte, PAD
	case *BPE:
		if tk.path == "" {
			return fmt.Errorf("tokenizer: a BPE not loaded from a file cannot be saved")
		}
		for _, name := range []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"} {
			src := filepath.Join(filepath.Dir(tk.path), name)
			if name == "tokenizer.json" {
				src = tk.path
			}
			b, err := fsx.ReadFile(src)
			if err != nil {
				if name == "tokenizer.json" || !os.IsNotExist(err) {
					return err
				}
				continue
			}
			files[name] = b
		}
		bos, eos, pad = -1, tk.EOS(), tk.EOS()
	default:
		return fmt.Errorf("tokenizer: cannot save a %T", t)
	}
	gen := map[string]any{"eos_token_id": eos, "pad_token_id": pad}
	if bos >= 0 {
		gen["bos_token_id"] = bos
	}
	files["generation_config.json"], _ = json.MarshalIndent(gen, "", "  ")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		if err := fsx.WriteFileAtomic(filepath.Join(dir, name), b); err != nil {
			return err
		}
	}
	return nil
}

// bytesTokenizerJSON is Bytes as an HF byte-level BPE without merges.
func bytesTokenizerJSON() []byte {
	vocab := make(map[string]int, 256)
	for b := range 256 {
		vocab[string(byteToRune[b])] = b
	}
	added := []map[string]any{}
	for _, id := range []int{BOS, EOSByte, PAD} {
		added = append(added, map[string]any{"id": id, "content": byteSpecials[id], "single_word": false, "lstrip": false,
			"rstrip": false, "normalized": false, "special": true})
	}
	byteLevel := map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}
	tj := map[string]any{
		"version": "1.0", "truncation": nil, "padding": nil, "added_tokens": added, "normalizer": nil,
		"pre_tokenizer": byteLevel, "post_processor": byteLevel, "decoder": byteLevel,
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": nil,
			"end_of_word_suffix": nil, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false, "vocab": vocab, "merges": []string{}},
	}
	b, _ := json.MarshalIndent(tj, "", "  ")
	return b
}
