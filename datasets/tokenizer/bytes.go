package tokenizer

import "strings"

// The byte-level tokenizer's ids: 0-255 are the bytes of the UTF-8 text,
// then three specials; the vocabulary is padded to a multiple of 8.
const (
	BOS       = 256 // beginning of sequence
	EOSByte   = 257 // end of text: separates documents, lm-eval's prefix token
	PAD       = 258 // padding, never a training target
	ByteVocab = 264 // 259 rounded up to a multiple of 8
)

var byteSpecials = map[int]string{BOS: "<|bos|>", EOSByte: "<|endoftext|>", PAD: "<|pad|>"}

// Bytes is the byte-level tokenizer: every byte of the text is one token.
// Decode is the exact inverse of Encode (it does not repair invalid UTF-8).
type Bytes struct{}

// Encode returns one id per byte of text.
func (Bytes) Encode(text string) []int {
	ids := make([]int, len(text))
	for i := range len(text) {
		ids[i] = int(text[i])
	}
	return ids
}

// Decode writes bytes for ids below 256, the names of BOS, EOS and PAD for
// those, and skips anything else.
func (Bytes) Decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		switch {
		case id >= 0 && id < 256:
			b.WriteByte(byte(id))
		case byteSpecials[id] != "":
			b.WriteString(byteSpecials[id])
		}
	}
	return b.String()
}

// VocabSize is ByteVocab.
func (Bytes) VocabSize() int { return ByteVocab }

// EOS is EOSByte.
func (Bytes) EOS() int { return EOSByte }
