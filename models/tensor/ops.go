package tensor

import (
	"fmt"
	"math"
	"os"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/internal/workers"
	"github.com/ssmlab/ssmlab/models/tensor/internal/sgemm"
)

func sameLen(op string, n int, xs ...[]float32) {
	for _, x := range xs {
		if len(x) != n {
			panic(fmt.Sprintf("tensor.%s: length %d != %d", op, len(x), n))
		}
	}
}

// The elementwise arithmetic below runs 8 lanes at a time where the CPU has
// AVX2 (models/internal/kern), bit-identical to the plain loops (no fused
// multiply-add).

// parallelMin is the length from which Add and AddTo split their work
// over the threads (a residual stream of a real model: 512 x 768 values
// took 0.33 ms on one core of a 16-core Xeon, per layer).
const parallelMin = 1 << 16

// Add sets dst[i] = a[i] + b[i].
func Add(dst, a, b []float32) {
	sameLen("Add", len(dst), a, b)
	add(dst, a, b)
}

// AddTo sets dst[i] += x[i].
func AddTo(dst, x []float32) {
	sameLen("AddTo", len(dst), x)
	add(dst, dst, x)
}

func add(dst, a, b []float32) {
	if len(dst) < parallelMin {
		kern.Add(dst, a, b)
		return
	}
	ParallelBlocks(len(dst), parallelMin/4, func(lo, hi int) { kern.Add(dst[lo:hi], a[lo:hi], b[lo:hi]) })
}

// Mul sets dst[i] = a[i] * b[i].
func Mul(dst, a, b []float32) {
	sameLen("Mul", len(dst), a, b)
	kern.Mul(dst, a, b)
}

// Scale sets x[i] *= s.
func Scale(x []float32, s float32) { kern.Scale(x, s) }

// Axpy sets y[i] += alpha * x[i].
func Axpy(alpha float32, x, y []float32) {
	sameLen("Axpy", len(y), x)
	kern.Axpy(alpha, x, y)
}

// Fill sets every element to v.
func Fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

// Sum returns the sum of x, accumulated in float64.
func Sum(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s
}

// Dot returns the inner product of a and b, accumulated in float64.
func Dot(a, b []float32) float64 {
	sameLen("Dot", len(a), b)
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

// SumSq returns the sum of squares of x, accumulated in float64.
func SumSq(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// MaxAbs returns max |x[i]| (0 for an empty slice; NaN if any is NaN).
func MaxAbs(x []float32) float32 {
	var m float32
	for _, v := range x {
		a := float32(math.Abs(float64(v)))
		if a > m || a != a {
			m = a
			if a != a {
				return a
			}
		}
	}
	return m
}

// SoftmaxRows writes the softmax of each row of x (rows x n) into dst. The
// rows run in parallel; each is max-shifted and summed in float64.
func SoftmaxRows(dst, x []float32, rows, n int) {
	sameLen("SoftmaxRows", rows*n, dst, x)
	Parallel(rows, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			softmaxRow(dst[r*n:(r+1)*n], x[r*n:(r+1)*n], false)
		}
	})
}

// LogSoftmaxRows writes the log-softmax of each row of x (rows x n) into dst.
func LogSoftmaxRows(dst, x []float32, rows, n int) {
	sameLen("LogSoftmaxRows", rows*n, dst, x)
	Parallel(rows, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			softmaxRow(dst[r*n:(r+1)*n], x[r*n:(r+1)*n], true)
		}
	})
}

func softmaxRow(dst, x []float32, logOut bool) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	var s float64
	for i, v := range x {
		e := math.Exp(float64(v - m))
		if !logOut {
			dst[i] = float32(e)
		}
		s += e
	}
	if logOut {
		ls := float32(math.Log(s)) + m
		for i, v := range x {
			dst[i] = v - ls
		}
		return
	}
	inv := 1 / s
	for i := range dst {
		dst[i] = float32(float64(dst[i]) * inv)
	}
}

// LogSumExp returns log(sum(exp(x))) computed stably in float64.
func LogSumExp(x []float32) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

// Kernels names the vector kernels the layers run (models/internal/kern),
// for provenance: the Go versions, the AVX2+FMA assembly, or that with the
// AVX-512 selective scan; and, where SSMLAB_SPIN_US sets it, how long the
// parallel passes' idle workers spin (models/internal/workers).
func Kernels() string {
	d := kern.Describe()
	if s, ok := os.LookupEnv("SSMLAB_SPIN_US"); ok {
		if !workers.SpinEnvOK {
			return d + "; SSMLAB_SPIN_US=" + s + " is not a number of microseconds (workers spin the default " + workers.Spin().String() + ")"
		}
		d += "; workers spin " + workers.Spin().String()
	}
	return d
}

// CheckEnv reports an environment variable of this package's kernels set
// to a value they do not take: SSMLAB_SGEMM (avx512, avx2 or generic, and
// one this CPU runs) or SSMLAB_SPIN_US (a whole number of microseconds).
// The kernels then run their defaults; commands refuse to start instead,
// so that a typo does not go unnoticed in a measurement.
func CheckEnv() error {
	if s := os.Getenv("SSMLAB_SGEMM"); s != "" {
		if _, ok := sgemm.Select(s); !ok {
			return fmt.Errorf("SSMLAB_SGEMM=%q names no GEMM kernel this CPU runs (avx512, avx2 or generic)", s)
		}
	}
	if s := os.Getenv("SSMLAB_SPIN_US"); s != "" {
		if _, ok := workers.ParseSpin(s); !ok {
			return fmt.Errorf("SSMLAB_SPIN_US=%q is not a whole number of microseconds (0 parks idle worker threads at once)", s)
		}
	}
	return nil
}
