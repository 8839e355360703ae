package suite

import "strings"

// Instruction is one row of the instruction mixture, in Alpaca's schema.
type Instruction struct {
	Instruction, Input, Output string
	Family, Func               string // where it came from
}

// Instructions draws n rows from the training functions (never held-out
// ones, so instruction tuning cannot leak the evaluation functions): a
// family uniformly, one of its training functions, a query; the
// instruction names the function in words.
func Instructions(fams []*Family, train [][]Func, n int, r *RNG) []Instruction {
	out := make([]Instruction, n)
	for i := range out {
		k := r.IntN(len(fams))
		fn := train[k][r.IntN(len(train[k]))]
		q := fams[k].Query(r)
		out[i] = Instruction{Instruction: fn.Instruction, Input: q, Output: fn.Apply(q), Family: fn.Family, Func: fn.ID}
	}
	return out
}

// Template renders an instruction row as a prompt. As in Alpaca's
// train.py, a training example is prompt + Output + EOS, with the loss on
// Output + EOS only.
type Template func(in Instruction) (prompt string)

// Alpaca is the Stanford Alpaca template (PROMPT_DICT of its train.py),
// word for word, with and without an input; the output follows
// "### Response:" directly. It is about 190 bytes before the instruction:
// right for real checkpoints, long for the suite's byte-level models.
func Alpaca(in Instruction) string {
	if in.Input == "" {
		return "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n" +
			"### Instruction:\n" + in.Instruction + "\n\n### Response:"
	}
	return "Below is an instruction that describes a task, paired with an input that provides further context. " +
		"Write a response that appropriately completes the request.\n\n" +
		"### Instruction:\n" + in.Instruction + "\n\n### Input:\n" + in.Input + "\n\n### Response:"
}

// Compact is Alpaca's layout without the preamble, the suite's default:
// "### Instruction:\n...\n### Input:\n...\n### Response:\n".
func Compact(in Instruction) string {
	var b strings.Builder
	b.WriteString("### Instruction:\n" + in.Instruction + "\n")
	if in.Input != "" {
		b.WriteString("### Input:\n" + in.Input + "\n")
	}
	b.WriteString("### Response:\n")
	return b.String()
}
