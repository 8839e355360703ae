// Package tokenizer turns text into token ids and back. Bytes is the
// embedded default (one id per UTF-8 byte, plus BOS/EOS/PAD); BPE loads a
// Hugging Face tokenizer.json with a byte-level BPE model, the GPT-NeoX
// tokenizer that Mamba and Pythia use, and encodes exactly as HF tokenizers
// does: added tokens split out first (non-normalized ones on the raw text,
// normalized ones after NFC), then the GPT-2 pre-tokenizer regex, the
// byte-to-unicode map, and the BPE merges by rank.
//
// Glossary: a pre-token is one piece the GPT-2 regex cuts the text into
// (" world", "'s", "\n\n"); a merge joins two adjacent symbols into one token,
// lowest rank first; an added token is matched in the text before
// pre-tokenization (special ones, like <|endoftext|>, included).
// It imports nothing from ssmlab.
package tokenizer
