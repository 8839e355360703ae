package tensor

import (
	"fmt"
	"os"
	"sort"
	"sync"
)

// Backend computes matrix products. Implementations must give the reference
// result within float32 rounding of the accumulation order (the conformance
// suite checks a relative 1e-5 of the magnitude of the terms).
type Backend interface {
	// Name identifies the backend in provenance and benchmarks.
	Name() string
	// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices,
	// where op(X) is X or its transpose, op(A) is m x k, op(B) is k x n and
	// C is m x n with leading dimensions lda, ldb, ldc. beta == 0 means C is
	// overwritten (its previous contents, even NaN, are ignored).
	Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// HalfGemmer is implemented by backends with native 16-bit matrix units
// (oneDNN on CPUs with AVX512_BF16). Operands are float32 values; HalfGemm
// rounds them to the 16-bit type (to nearest even) as it converts them, so
// values already on the 16-bit grid pass unchanged, and accumulates in
// float32. It returns false, doing nothing, only where the units are absent
// (HalfNativer says so beforehand); once native, it runs every product.
type HalfGemmer interface {
	HalfGemm(bf16 bool, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool
}

// SerialGemmer is implemented by backends that can run one product on the
// calling thread alone. Products issued from inside Parallel (attention's
// per-head products, Mamba-2's per-chunk ones) want this: the workers
// already occupy every core, and a threaded backend would start a thread
// team per call on top of them (oneDNN's OpenMP teams then spin against
// each other on the same cores).
type SerialGemmer interface {
	GemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// GemmSerial is Gemm with explicit leading dimensions on the default
// backend, single-threaded where the backend can be (SerialGemmer), for
// callers that run inside Parallel. Backends without the form run their
// usual Gemm.
func GemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	t0 := clockStart()
	defer clockStop(t0, true)
	be := Default()
	if s, ok := be.(SerialGemmer); ok {
		s.GemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	be.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

var (
	regMu    sync.RWMutex
	registry = map[string]registered{}
	current  Backend
)

type registered struct {
	b        Backend
	priority int
}

// Register adds a backend. The highest-priority backend becomes the default
// unless SSMLAB_BLAS names another. Backends register themselves in init.
func Register(b Backend, priority int) {
	regMu.Lock()
	defer regMu.Unlock()
	registry[b.Name()] = registered{b, priority}
	current = nil
}

// Backends returns the registered backends, best first.
func Backends() []Backend {
	regMu.RLock()
	defer regMu.RUnlock()
	rs := make([]registered, 0, len(registry))
	for _, r := range registry {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].priority > rs[j].priority })
	out := make([]Backend, len(rs))
	for i, r := range rs {
		out[i] = r.b
	}
	return out
}

// Use selects the backend named name for all later Gemm calls.
func Use(name string) error {
	regMu.Lock()
	defer regMu.Unlock()
	r, ok := registry[name]
	if !ok {
		names := make([]string, 0, len(registry))
		for n := range registry {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("unknown BLAS backend %q (built in: %v)", name, names)
	}
	current = r.b
	return nil
}

// Default returns the backend in use: the one chosen by Use, else the one
// named by the SSMLAB_BLAS environment variable, else the best registered.
func Default() Backend {
	regMu.RLock()
	b := current
	regMu.RUnlock()
	if b != nil {
		return b
	}
	if name := os.Getenv("SSMLAB_BLAS"); name != "" {
		if err := Use(name); err == nil {
			return Default()
		}
	}
	bs := Backends()
	regMu.Lock()
	current = bs[0]
	regMu.Unlock()
	return bs[0]
}

// Gemm runs C = alpha*op(A)*op(B) + beta*C on the default backend with
// packed leading dimensions.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a, b []float32, beta float32, c []float32) {
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, n)
	t0 := clockStart()
	Default().Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, n)
	clockStop(t0, false)
}

// MatMulT computes y (n x out) = x (n x in) · wᵀ where w is (out x in): the
// PyTorch Linear product. With accumulate, y is added to rather than overwritten.
func MatMulT(y, x, w []float32, n, in, out int, accumulate bool) {
	beta := float32(0)
	if accumulate {
		beta = 1
	}
	Gemm(false, true, n, out, in, 1, x, w, beta, y)
}

func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if m < 0 || n < 0 || k < 0 || lda < max(1, ac) || ldb < max(1, bc) || ldc < max(1, n) ||
		(ar > 0 && len(a) < (ar-1)*lda+ac) || (br > 0 && len(b) < (br-1)*ldb+bc) || (m > 0 && len(c) < (m-1)*ldc+n) {
		panic(fmt.Sprintf("tensor.Gemm: bad sizes m=%d n=%d k=%d lda=%d ldb=%d ldc=%d len(a)=%d len(b)=%d len(c)=%d",
			m, n, k, lda, ldb, ldc, len(a), len(b), len(c)))
	}
}
