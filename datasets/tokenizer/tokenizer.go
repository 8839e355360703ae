package tokenizer

// Tokenizer encodes text to ids and back.
type Tokenizer interface {
	// Encode returns the ids of text, without any special tokens added.
	Encode(text string) []int
	// Decode returns the text of ids; special tokens are kept as text and
	// ids outside the vocabulary are skipped.
	Decode(ids []int) string
	// VocabSize is one more than the largest id Encode or a special can give.
	VocabSize() int
	// EOS is the end-of-text id, also lm-eval's prefix token for an empty
	// context; -1 if the tokenizer has none.
	EOS() int
}
