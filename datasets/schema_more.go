package datasets

import (
	"github.com/ssmlab/ssmlab/datasets/arrowio"
)

// Columns of the instruction schema (Alpaca's) and the token schema.
const (
	ColInstruction = "instruction" // string
	ColInput       = "input"       // string
	ColOutput      = "output"      // string
	ColInputIDs    = "input_ids"   // list<int32>: one token sequence per row
	ColLabels      = "labels"      // list<int32>: targets, -100 where none
	ColText        = "text"        // string: one document per row
)

// InstructionRow is one instruction-tuning example in Alpaca's schema.
type InstructionRow struct {
	Instruction, Input, Output string
}

// InstructionTable converts rows to a table with columns instruction,
// input, output, plus any extra string columns given.
func InstructionTable(name string, rows []InstructionRow, extra ...arrowio.Col) (*arrowio.Table, error) {
	ins, in, out := make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		ins[i], in[i], out[i] = r.Instruction, r.Input, r.Output
	}
	cols := []arrowio.Col{{Name: ColInstruction, Values: ins}, {Name: ColInput, Values: in}, {Name: ColOutput, Values: out}}
	return arrowio.NewTable(name, append(cols, extra...)...)
}

// InstructionRows reads the instruction, input and output columns of t.
// A missing input column reads as empty inputs (Alpaca rows without one).
func InstructionRows(t *arrowio.Table) ([]InstructionRow, error) {
	ins, err := arrowio.Column[string](t, ColInstruction)
	if err != nil {
		return nil, err
	}
	out, err := arrowio.Column[string](t, ColOutput)
	if err != nil {
		return nil, err
	}
	in := make([]string, len(ins))
	if len(t.Schema.FieldIndices(ColInput)) > 0 {
		if in, err = arrowio.Column[string](t, ColInput); err != nil {
			return nil, err
		}
	}
	rows := make([]InstructionRow, len(ins))
	for i := range rows {
		rows[i] = InstructionRow{ins[i], in[i], out[i]}
	}
	return rows, nil
}

// TokenTable is a table of token sequences (column input_ids), with a
// labels column too if labels is not nil.
func TokenTable(name string, ids, labels [][]int32) (*arrowio.Table, error) {
	cols := []arrowio.Col{{Name: ColInputIDs, Values: ids}}
	if labels != nil {
		cols = append(cols, arrowio.Col{Name: ColLabels, Values: labels})
	}
	return arrowio.NewTable(name, cols...)
}

// TokenRows reads the input_ids column of t (any integer list type that
// fits in int32).
func TokenRows(t *arrowio.Table) ([][]int32, error) {
	return arrowio.Column[[]int32](t, ColInputIDs)
}
