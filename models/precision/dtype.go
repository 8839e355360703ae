package precision

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/ssmlab/ssmlab/models/internal/workers"
)

// DType is a floating-point storage format.
type DType uint8

const (
	FP32 DType = iota // IEEE binary32
	FP16              // IEEE binary16: 5 exponent bits, 10 mantissa bits
	BF16              // bfloat16: 8 exponent bits, 7 mantissa bits
)

var dtypeNames = [...]string{FP32: "fp32", FP16: "fp16", BF16: "bf16"}

// String returns the canonical name: "fp32", "fp16" or "bf16".
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// ParseDType accepts the canonical names and the common aliases float32,
// float16, half, bfloat16. Anything else is an error.
func ParseDType(s string) (DType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fp32", "float32", "f32":
		return FP32, nil
	case "fp16", "float16", "half", "f16":
		return FP16, nil
	case "bf16", "bfloat16":
		return BF16, nil
	}
	return 0, fmt.Errorf("unknown precision %q (want fp32, fp16 or bf16)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (d DType) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, so TOML and JSON decode it.
func (d *DType) UnmarshalText(b []byte) error {
	v, err := ParseDType(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Round rounds x to the nearest value representable in d (ties to even) and
// returns it as float32. FP32 returns x unchanged.
func (d DType) Round(x float32) float32 {
	switch d {
	case FP16:
		return RoundFP16(x)
	case BF16:
		return RoundBF16(x)
	}
	return x
}

// RoundSlice rounds every element of xs in place, bit-identically to
// Round (on amd64 with AVX2 most of it in 8-lane vector loops). Slices of
// 2·parallelRound values or more are split over up to GOMAXPROCS goroutines
// of at least parallelRound values each (each value is rounded on its own,
// so the split does not change the result).
func (d DType) RoundSlice(xs []float32) {
	if d == FP32 {
		return
	}
	d.roundSplit(xs, xs)
}

// RoundTo sets dst[i] = Round(src[i]) for every element of src, in one pass
// (a copy and an in-place RoundSlice in two); dst must be at least as long
// and may be src. Under FP32 it copies.
func (d DType) RoundTo(dst, src []float32) {
	dst = dst[:len(src)]
	if d == FP32 {
		copy(dst, src)
		return
	}
	d.roundSplit(dst, src)
}

func (d DType) roundSplit(dst, src []float32) {
	if len(src) < 2*parallelRound { // checked first: GOMAXPROCS takes the scheduler's lock
		d.roundSerial(dst, src)
		return
	}
	if w := min(runtime.GOMAXPROCS(0), len(src)/parallelRound); w > 1 {
		chunk := (len(src)/w + 7) &^ 7
		workers.Run((len(src)+chunk-1)/chunk, func(i int) {
			lo, hi := i*chunk, min((i+1)*chunk, len(src))
			d.roundSerial(dst[lo:hi], src[lo:hi])
		})
		return
	}
	d.roundSerial(dst, src)
}

// parallelRound is the least share of a RoundSlice worth a goroutine of
// its own (128 KiB of values).
const parallelRound = 32 << 10

func (d DType) roundSerial(dst, src []float32) {
	n := vectorPass(d, passRound, dst, src, 0)
	dst, src = dst[n:len(src)], src[n:]
	switch d {
	case FP16:
		for i, x := range src {
			dst[i] = RoundFP16(x)
		}
	case BF16:
		for i, x := range src {
			dst[i] = RoundBF16(x)
		}
	}
}

// RoundSlice rounds xs in place to d; a convenience for callers holding a DType value.
func RoundSlice(d DType, xs []float32) { d.RoundSlice(xs) }

// Max returns the largest finite value of d.
func (d DType) Max() float32 {
	switch d {
	case FP16:
		return 65504
	case BF16:
		return FromBF16Bits(0x7F7F)
	}
	return 3.4028234663852886e38
}

// Eps returns the machine epsilon of d (distance from 1 to the next value).
func (d DType) Eps() float32 {
	switch d {
	case FP16:
		return 1.0 / 1024
	case BF16:
		return 1.0 / 128
	}
	return 1.0 / (1 << 23)
}

// The fused passes of the 16-bit policies: each equals its separate
// passes (copies, kern-style scaling and adds, RoundSlice) bit for bit, in
// one sweep over the values. They run on the calling goroutine: callers
// hand them cache-sized blocks (tensor.ParallelBlocks).
const (
	passScaleTo = iota
	passAddRounded
	passAddScaled
	passRound // RoundSlice, RoundTo
)

// ScaleTo sets dst[i] = Round(s·src[i]): a copy, a scaling and a rounding
// pass in one (dst at least as long as src; it may be src).
func (d DType) ScaleTo(dst, src []float32, s float32) {
	dst = dst[:len(src)]
	n := vectorPass(d, passScaleTo, dst, src, s)
	for i := n; i < len(src); i++ {
		dst[i] = d.Round(src[i] * s)
	}
}

// AddRounded sets acc[i] += Round(x[i]) (x unchanged): a 16-bit term
// rounded, then accumulated in float32.
func (d DType) AddRounded(acc, x []float32) {
	acc = acc[:len(x)]
	n := vectorPass(d, passAddRounded, acc, x, 0)
	for i := n; i < len(x); i++ {
		acc[i] = acc[i] + d.Round(x[i])
	}
}

// AddScaled sets y[i] = Round(y[i] + Round(s·Round(b[i]))) (b unchanged):
// a 16-bit tensor b scaled and added to the 16-bit tensor y, each op's
// result rounded, as LoRA's scaled adapter output joins the base output.
func (d DType) AddScaled(y, b []float32, s float32) {
	y = y[:len(b)]
	n := vectorPass(d, passAddScaled, y, b, s)
	for i := n; i < len(b); i++ {
		y[i] = d.Round(y[i] + d.Round(d.Round(b[i])*s))
	}
}
