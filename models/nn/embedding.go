package nn

// Embedding maps token ids to rows of W (V x D). It is not autocast: its
// output has the weights' type (fp32 master weights under AMP).
type Embedding struct {
	W    *Param // (V, D)
	V, D int
}

// NewEmbedding allocates a zero embedding called name+".weight".
func NewEmbedding(name string, v, d int) *Embedding {
	return &Embedding{W: NewParam(name+".weight", true, v, d), V: v, D: d}
}

// Forward writes out (len(ids) x D). Ids must be in [0, V); callers check
// user input before it reaches here.
func (e *Embedding) Forward(out []float32, ids []int) {
	w := e.W.Value.Data
	for i, id := range ids {
		copy(out[i*e.D:(i+1)*e.D], w[id*e.D:(id+1)*e.D])
	}
}

// Backward accumulates dout into the rows of dW picked by ids.
func (e *Embedding) Backward(dout []float32, ids []int) {
	g := e.W.G()
	if g == nil {
		return
	}
	for i, id := range ids {
		row := g[id*e.D : (id+1)*e.D]
		for j, v := range dout[i*e.D : (i+1)*e.D] {
			row[j] += v
		}
	}
}
