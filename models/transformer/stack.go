package transformer

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// The decoder stack GPTNeoX and Llama share: token embedding, L layers,
// final norm and output head. The two differ only in their layers (each
// keeps its activations in its own type A) and final norm; the forward,
// backward and inference passes over the stack are the code below, run on
// a stack view of the model's fields.

// stackLayer is a decoder layer keeping its activations in A: NeoXLayer in
// neoxActs, LlamaLayer in llamaActs.
type stackLayer[A any] interface {
	forward(pol precision.Policy, a *A, y, x []float32, B, T int, kv kvView)
	backward(pol precision.Policy, a *A, dx, dy []float32, B, T int)
	ownKV(a *A, B, T int) kvView      // a's own keys and values for a full forward
	swapScratch(s *backScratch, a *A) // exchange a's backward scratch with s
	dropInput(a *A)                   // forget the layer input a points at
}

// stackNorm is the final norm: nn.LayerNorm (GPT-NeoX) or Norm (Llama, OLMo).
type stackNorm interface {
	Forward(y, mean, rstd, x []float32, n int)
	Backward(dx, dy, x, mean, rstd []float32, n int)
}

// stackRun holds the activations of Forward for Backward.
type stackRun[A any] struct {
	B, T   int
	ids    []int
	hs     [][]float32 // L+1 residual streams (B·T, D)
	hn     []float32   // final norm output (B·T, D)
	nm, nr []float32   // its mean (LayerNorm only) and rstd (B·T)
	layers []A
	d0, d1 []float32 // backward ping-pong (B·T, D)
	logits []float32 // (B·T, V), returned: the model's until the next call
	bw     backScratch
}

// stack is a view of one model's stack and buffers.
type stack[A any, Layer stackLayer[A]] struct {
	embed   *nn.Embedding
	layers  []Layer
	norm    stackNorm
	head    *nn.Linear
	D, V    int
	padID   int // embedding row that gets no gradient, or -1
	train   *stackRun[A]
	inf     *inferBufs
	infActs *A
}

// forward is Forward: the logits (B·T, V) of ids (B·T).
func (s stack[A, Layer]) forward(pol precision.Policy, ids []int, B, T int) []float32 {
	r := s.train
	s.alloc(B, T)
	r.ids = append(r.ids[:0], ids...)
	s.embed.Forward(r.hs[0], ids)
	return s.forwardFrom(pol)
}

// forwardEmbedded is ForwardEmbedded: forward from embeddings x (B·T, D).
func (s stack[A, Layer]) forwardEmbedded(pol precision.Policy, x []float32, B, T int) []float32 {
	if len(x) != B*T*s.D {
		panic(fmt.Sprintf("transformer: ForwardEmbedded with %d values for (%d, %d, %d)", len(x), B, T, s.D))
	}
	r := s.train
	s.alloc(B, T)
	r.ids = r.ids[:0]
	copy(r.hs[0], x)
	return s.forwardFrom(pol)
}

// forwardFrom runs the layers and the head on the embeddings in hs[0].
func (s stack[A, Layer]) forwardFrom(pol precision.Policy) []float32 {
	r := s.train
	pureAct(pol, r.hs[0])
	for i, l := range s.layers {
		kv := l.ownKV(&r.layers[i], r.B, r.T)
		l.forward(pol, &r.layers[i], r.hs[i+1], r.hs[i], r.B, r.T, kv)
	}
	// The head: final norm and output projection of the last stream.
	n := r.B * r.T
	s.norm.Forward(r.hn, r.nm, r.nr, r.hs[len(s.layers)], n)
	pureAct(pol, r.hn)
	r.logits = tensor.Grow(r.logits, n*s.V)
	s.head.Forward(pol, r.logits, r.hn, n)
	return r.logits
}

// backward is Backward: it accumulates the parameter gradients for dlogits
// (B·T, V) of the last forward.
func (s stack[A, Layer]) backward(pol precision.Policy, dlogits []float32) {
	r := s.train
	n, L, D := r.B*r.T, len(s.layers), s.D
	grow(n*D, &r.d0, &r.d1)
	s.head.Backward(pol, r.d1, dlogits, r.hn, n)
	s.norm.Backward(r.d0, r.d1, r.hs[L], r.nm, r.nr, n)
	for i := L - 1; i >= 0; i-- {
		l := s.layers[i]
		l.swapScratch(&r.bw, &r.layers[i])
		l.backward(pol, &r.layers[i], r.d1, r.d0, r.B, r.T)
		l.swapScratch(&r.bw, &r.layers[i])
		r.d0, r.d1 = r.d1, r.d0
	}
	for i, id := range r.ids {
		if id == s.padID {
			clear(r.d0[i*D : (i+1)*D])
		}
	}
	if len(r.ids) > 0 { // not after ForwardEmbedded
		s.embed.Backward(r.d0, r.ids)
	}
}

func (s stack[A, Layer]) alloc(B, T int) {
	r := s.train
	r.B, r.T = B, T
	n, L := B*T, len(s.layers)
	if len(r.hs) != L+1 {
		r.hs, r.layers = make([][]float32, L+1), make([]A, L)
	}
	for i := range r.hs {
		r.hs[i] = tensor.Grow(r.hs[i], n*s.D)
	}
	grow(n*s.D, &r.hn)
	grow(n, &r.nm, &r.nr)
}

// infer runs ids through the layers in the shared inference buffers, with
// the keys and values in c when it is not nil (at positions c.Len..), and
// returns the logits of pos (nil: every position); see infer.go.
func (s stack[A, Layer]) infer(pol precision.Policy, ids []int, B, T int, c *Cache, pos []int) []float32 {
	checkIDs(ids, B, T)
	f, a, n, D := s.inf, s.infActs, B*T, s.D
	grow(n*D, &f.x, &f.y)
	if c != nil {
		c.reserve(T)
	}
	s.embed.Forward(f.x, ids)
	pureAct(pol, f.x)
	for i, l := range s.layers {
		var kv kvView
		if c != nil {
			kv = c.view(i)
		} else {
			kv = l.ownKV(a, B, T)
		}
		l.forward(pol, a, f.y, f.x, B, T, kv)
		l.dropInput(a) // no backward follows: the stream is no longer ours to point at
		f.x, f.y = f.y, f.x
	}
	if c != nil {
		c.Len += T
	}
	return f.head(pol, s.norm.Forward, s.head, f.x, n, D, pos)
}
