package tokenizer

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// tokenizerJSON is the part of HF's tokenizer.json that BPE reads.
type tokenizerJSON struct {
	AddedTokens   []addedToken    `json:"added_tokens"`
	Normalizer    *component      `json:"normalizer"`
	PreTokenizer  *component      `json:"pre_tokenizer"`
	PostProcessor *component      `json:"post_processor"`
	Decoder       *component      `json:"decoder"`
	Model         json.RawMessage `json:"model"`
}

type component struct {
	Type           string      `json:"type"`
	AddPrefixSpace bool        `json:"add_prefix_space"`
	UseRegex       *bool       `json:"use_regex"`
	Normalizers    []component `json:"normalizers"`
	PreTokenizers  []component `json:"pretokenizers"`
}

type bpeModel struct {
	Type                    string          `json:"type"`
	Dropout                 *float64        `json:"dropout"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
	Vocab                   map[string]int  `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
}

// Load reads a Hugging Face tokenizer.json holding a byte-level BPE model
// (GPT-2, GPT-NeoX/Pythia/Mamba style). Anything it cannot reproduce
// exactly (another model type, a custom split regex, BPE dropout, added
// tokens with lstrip/rstrip/single_word) is an error naming the file and
// the field. The EOS id is eos_token of a tokenizer_config.json or
// special_tokens_map.json beside the file, else <|endoftext|>, else -1.
func Load(path string) (*BPE, error) {
	b, err := fsx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(path, b)
	if err != nil {
		return nil, err
	}
	t.path = path
	if eos, ok := siblingEOS(filepath.Dir(path)); ok {
		for id, tok := range t.tokens {
			if tok == eos && (t.eos < 0 || t.tokens[t.eos] != eos || id < t.eos) {
				t.eos = id
			}
		}
	}
	return t, nil
}

// Parse reads tokenizer.json bytes; name is used in messages.
func Parse(name string, data []byte) (*BPE, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %s", name, fmt.Sprintf(format, a...))
	}
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, bad("not a tokenizer.json: %v", err)
	}
	var m bpeModel
	if err := json.Unmarshal(tj.Model, &m); err != nil || m.Type != "BPE" {
		return nil, bad("model: want type BPE, have %q", m.Type)
	}
	switch {
	case m.Dropout != nil && *m.Dropout != 0:
		return nil, bad("model.dropout %v: BPE dropout is not supported", *m.Dropout)
	case m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "",
		m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "":
		return nil, bad("model: continuing_subword_prefix / end_of_word_suffix are not supported")
	case m.ByteFallback:
		return nil, bad("model.byte_fallback is not supported (not a byte-level BPE)")
	}
	t := &BPE{vocab: m.Vocab, tokens: map[int]string{}, special: map[int]bool{}, merges: map[[2]int]merge{},
		ignoreMerges: m.IgnoreMerges, useRegex: true, cache: map[string][]int{}, eos: -1}
	for tok, id := range m.Vocab {
		t.tokens[id] = tok
		t.vocabSize = max(t.vocabSize, id+1)
	}
	if err := t.readMerges(m.Merges); err != nil {
		return nil, bad("model.merges: %v", err)
	}
	if err := t.readComponents(&tj); err != nil {
		return nil, bad("%v", err)
	}
	var raw, normed []addedToken
	for _, a := range tj.AddedTokens {
		if a.LStrip || a.RStrip || a.SingleWord {
			return nil, bad("added token %q: lstrip, rstrip and single_word are not supported", a.Content)
		}
		t.tokens[a.ID] = a.Content
		t.special[a.ID] = a.Special
		t.vocabSize = max(t.vocabSize, a.ID+1)
		if a.Normalized {
			normed = append(normed, a)
		} else {
			raw = append(raw, a)
		}
		if a.Content == "<|endoftext|>" {
			t.eos = a.ID
		}
	}
	t.raw, t.normed = newMatcher(raw), newMatcher(normed)
	return t, nil
}

// readMerges accepts both encodings of merges: "a b" strings (older files)
// and [a, b] pairs (tokenizers >= 0.20). A later duplicate wins, as in HF.
func (t *BPE) readMerges(raw json.RawMessage) error {
	var pairs [][2]string
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		for i, s := range strs {
			a, b, ok := strings.Cut(s, " ")
			if !ok {
				return fmt.Errorf("merge %d %q is not two tokens", i, s)
			}
			pairs = append(pairs, [2]string{a, b})
		}
	} else if err := json.Unmarshal(raw, &pairs); err != nil {
		return fmt.Errorf("want a list of \"a b\" strings or [a, b] pairs")
	}
	for rank, p := range pairs {
		a, aok := t.vocab[p[0]]
		b, bok := t.vocab[p[1]]
		id, idok := t.vocab[p[0]+p[1]]
		if !aok || !bok || !idok {
			return fmt.Errorf("merge %d (%q, %q): a token is missing from the vocab", rank, p[0], p[1])
		}
		t.merges[[2]int{a, b}] = merge{rank, id}
	}
	return nil
}
