package testsys

// Stack is two Selective layers, the second driven by the first's output:
// state [x1 (E, N), x2 (E, N)], input u (E), output y2. Its state Jacobian is
// block lower-triangular (x2' depends on x1' through y1, and nonlinearly, via
// delta2), so its exponents are the union of the two layers' exact spectra,
// layer 2's taken along the y1 sequence. It has no JVP: the tests give it one
// with lyapunov.FiniteDifference.
type Stack struct {
	L1, L2 *Selective
	y1     []float64
}

func (s *Stack) StateDim() int  { return s.L1.StateDim() + s.L2.StateDim() }
func (s *Stack) InputDim() int  { return s.L1.E }
func (s *Stack) OutputDim() int { return s.L2.E }

func (s *Stack) Step(dst, x, u []float64) {
	n1 := s.L1.StateDim()
	s.L1.Step(dst[:n1], x[:n1], u)
	s.y1 = grow(s.y1, s.L1.E)
	s.L1.Output(s.y1, dst[:n1], u)
	s.L2.Step(dst[n1:], x[n1:], s.y1)
}

func (s *Stack) Output(dst, x, u []float64) {
	n1 := s.L1.StateDim()
	s.y1 = grow(s.y1, s.L1.E)
	s.L1.Output(s.y1, x[:n1], u)
	s.L2.Output(dst, x[n1:], s.y1)
}

// Deltas runs the stack from x0 and returns each layer's (T, E) step sizes.
func (s *Stack) Deltas(inputs [][]float64, x0 []float64) (d1, d2 []float32) {
	x, next := append([]float64(nil), x0...), make([]float64, len(x0))
	n1 := s.L1.StateDim()
	y1 := make([][]float64, len(inputs))
	for t, u := range inputs {
		s.Step(next, x, u)
		x, next = next, x
		y1[t] = make([]float64, s.L1.E)
		s.L1.Output(y1[t], x[:n1], u)
	}
	return s.L1.Deltas(inputs), s.L2.Deltas(y1)
}
