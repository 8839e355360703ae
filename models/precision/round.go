package precision

import (
	"math"

	"github.com/x448/float16"
)

// RoundBF16 rounds x to bfloat16 (round to nearest, ties to even). bf16 has
// float32's exponent range, so subnormals and overflow to Inf fall out of the
// same integer rounding of the low 16 bits. NaN stays NaN (made quiet) with
// its sign.
func RoundBF16(x float32) float32 { return FromBF16Bits(ToBF16Bits(x)) }

// ToBF16Bits returns the bfloat16 bit pattern nearest to x.
func ToBF16Bits(x float32) uint16 {
	b := math.Float32bits(x)
	if b&0x7FFFFFFF > 0x7F800000 { // NaN: keep sign and top payload, force quiet bit
		return uint16(b>>16) | 0x0040
	}
	b += 0x7FFF + (b>>16)&1
	return uint16(b >> 16)
}

// FromBF16Bits widens a bfloat16 bit pattern to float32 (exact).
func FromBF16Bits(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

const (
	fp16MinNormal = 1.0 / (1 << 14) // 2^-14
	fp16Overflow  = 65520           // midpoint of 65504 and 65536: rounds to Inf (ties to even)
)

// RoundFP16 rounds x to IEEE binary16 (round to nearest, ties to even), with
// gradual underflow to subnormals (quantum 2^-24), overflow to +-Inf from
// 65520 up, and NaN preserved. It computes in float32 bits; ToFP16Bits via
// x448/float16 is the independent definition the tests compare it with.
func RoundFP16(x float32) float32 {
	b := math.Float32bits(x)
	a := b & 0x7FFFFFFF
	switch {
	case a > 0x7F800000: // NaN
		return math.Float32frombits(b | 0x00400000)
	case a >= math.Float32bits(fp16Overflow):
		return math.Float32frombits(b&0x80000000 | 0x7F800000)
	case a < math.Float32bits(fp16MinNormal):
		// subnormal range: multiples of 2^-24, computed exactly in float64
		v := math.RoundToEven(float64(x) * (1 << 24))
		return float32(v / (1 << 24))
	}
	// normal range: keep 10 of float32's 23 mantissa bits
	a += 0xFFF + (a>>13)&1
	a &^= 0x1FFF
	return math.Float32frombits(b&0x80000000 | a)
}

// ToFP16Bits returns the binary16 bit pattern nearest to x.
func ToFP16Bits(x float32) uint16 { return uint16(float16.Fromfloat32(x)) }

// FromFP16Bits widens a binary16 bit pattern to float32 (exact).
func FromFP16Bits(h uint16) float32 { return float16.Frombits(h).Float32() }

// IsFinite reports whether x is neither Inf nor NaN.
func IsFinite(x float32) bool { return math.Float32bits(x)&0x7F800000 != 0x7F800000 }

// AllFinite reports whether every element of xs is finite.
func AllFinite(xs []float32) bool {
	for _, x := range xs {
		if math.Float32bits(x)&0x7F800000 == 0x7F800000 {
			return false
		}
	}
	return true
}
