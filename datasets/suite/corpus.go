package suite

import (
	"strings"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
)

// Document renders demos the way prompts show shots:
// "in -> out\n\nin -> out\n\n..." (lm-eval's target delimiter " " and
// few-shot delimiter "\n\n" around Arrow).
func Document(demos []Demo) string {
	var b strings.Builder
	for _, d := range demos {
		b.WriteString(d.In + Arrow + " " + d.Out + "\n\n")
	}
	return b.String()
}

// CorpusDoc is one pretraining document and the function it demonstrates.
type CorpusDoc struct {
	Text         string
	Family, Func string
}

// Corpus draws n pretraining documents: each picks a family uniformly,
// then one of its training functions uniformly, and shows it on
// minDemos..maxDemos queries. Predicting each output rewards inferring the
// function from the demonstrations before it.
func Corpus(fams []*Family, train [][]Func, n, minDemos, maxDemos int, r *RNG) []CorpusDoc {
	docs := make([]CorpusDoc, n)
	for i := range docs {
		k := r.IntN(len(fams))
		fn := train[k][r.IntN(len(train[k]))]
		demos := make([]Demo, r.Range(minDemos, maxDemos))
		for j := range demos {
			q := fams[k].Query(r)
			demos[j] = Demo{q, fn.Apply(q)}
		}
		docs[i] = CorpusDoc{Document(demos), fn.Family, fn.ID}
	}
	return docs
}

// Texts lists the texts of docs.
func Texts(docs []CorpusDoc) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.Text
	}
	return out
}

// Pack tokenizes docs and packs them into rows of exactly seqLen tokens:
// each document is followed by the tokenizer's EOS, every row starts at the
// start of a document (as an evaluation prompt does), and a row is filled
// with following documents, the last one cut where the row ends (its rest
// is dropped). The last row is padded with pad.
func Pack(docs []string, tok tokenizer.Tokenizer, seqLen, pad int) [][]int32 {
	var rows [][]int32
	for i := 0; i < len(docs); {
		row := make([]int32, 0, seqLen+64)
		for i < len(docs) && len(row) < seqLen {
			for _, id := range tok.Encode(docs[i]) {
				row = append(row, int32(id))
			}
			row = append(row, int32(tok.EOS()))
			i++
		}
		row = row[:min(len(row), seqLen)]
		for len(row) < seqLen {
			row = append(row, int32(pad))
		}
		rows = append(rows, row)
	}
	return rows
}
