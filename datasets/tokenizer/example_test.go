package tokenizer_test

import (
	"fmt"
	"path/filepath"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
)

func Example() {
	var byteTok tokenizer.Tokenizer = tokenizer.Bytes{}
	fmt.Println(byteTok.Encode("ab ->"), byteTok.VocabSize(), byteTok.EOS())

	bpe, err := tokenizer.Load(filepath.Join("..", "..", "testdata", "tokenizer", "seed0", "tokenizer.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ids := bpe.Encode("a   b<|endoftext|>")
	fmt.Println(ids, bpe.EOS(), fmt.Sprintf("%q", bpe.Decode(ids)))
	// Output:
	// [97 98 32 45 62] 264 257
	// [66 1201 67 0] 0 "a   b<|endoftext|>"
}
