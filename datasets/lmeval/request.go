package lmeval

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
)

// Request is one log-likelihood request: how likely is Continuation after
// Context. A multiple-choice doc sends one per choice.
type Request struct {
	Doc, Choice  int // index of the doc in the eval split, of the choice
	Context      string
	Continuation string // TargetDelimiter + choice
}

// Requests returns the requests of every eval doc at k shots, doc by doc,
// choice by choice: (context, TargetDelimiter + choice) for a
// MultipleChoice doc, (context + choice, TargetDelimiter + Cont) for a
// MultipleInput doc, (context, target) for a Loglikelihood doc.
func (t *Task) Requests(k int) ([]Request, error) {
	ctxs, err := t.Contexts(k)
	if err != nil {
		return nil, err
	}
	_, docs, _ := t.Eval()
	var out []Request
	for i, d := range docs {
		for c, choice := range d.Choices {
			r := Request{Doc: i, Choice: c, Context: ctxs[i], Continuation: t.TargetDelimiter + choice}
			switch t.Output {
			case MultipleInput:
				r.Context, r.Continuation = ctxs[i]+choice, t.TargetDelimiter+d.Cont
			case Loglikelihood:
				r.Continuation = choice // lm-eval's loglikelihood request has no delimiter
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// EncodePair splits a request into context and continuation tokens as
// lm-eval's HF model does: trailing whitespace of the context moves to
// the continuation; the continuation tokens are those of
// Encode(context+continuation) past len(Encode(context)), so a merge across
// the boundary is attributed to the continuation. An empty context is the
// tokenizer's EOS (lm-eval's prefix token).
func EncodePair(tok tokenizer.Tokenizer, context, continuation string) (ctx, cont []int) {
	if context == "" {
		return []int{tok.EOS()}, tok.Encode(continuation)
	}
	trimmed := strings.TrimRightFunc(context, pyIsSpace)
	if n := len(context) - len(trimmed); n > 0 {
		continuation = context[len(trimmed):] + continuation
		context = trimmed
	}
	whole := tok.Encode(context + continuation)
	ctx = tok.Encode(context)
	if len(ctx) > len(whole) {
		return ctx, nil
	}
	return ctx, whole[len(ctx):]
}

// pyIsSpace is Python's str.isspace for one character, which is what
// str.rstrip() strips: Unicode White_Space plus the separators U+001C-U+001F.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// Window returns the model input for scoring a pair with a model of
// maxLen positions: (ctx+cont)[-(maxLen+1):][:-1], as lm-eval truncates
// from the left. The logits at input positions start, start+1, ... predict
// cont[0], cont[1], ...; the request's ll is the sum of those log-probs.
func Window(ctx, cont []int, maxLen int) (input []int, start int, err error) {
	if len(cont) == 0 {
		return nil, 0, fmt.Errorf("empty continuation")
	}
	if len(cont) > maxLen {
		return nil, 0, fmt.Errorf("continuation of %d tokens does not fit %d positions", len(cont), maxLen)
	}
	all := append(append([]int{}, ctx...), cont...)
	if len(all) > maxLen+1 {
		all = all[len(all)-(maxLen+1):]
	}
	input = all[:len(all)-1]
	return input, len(input) - len(cont), nil
}
