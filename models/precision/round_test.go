package precision

import (
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"testing"

	"github.com/ssmlab/ssmlab/models/internal/kern"
)

func bitsOf(x float32) uint32 { return math.Float32bits(x) }

// Every one of the 65536 fp16 and bf16 patterns widens to float32 and rounds
// back to itself (NaNs stay NaN with their sign).
func TestRoundTripAllPatterns(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := FromFP16Bits(h)
		if f != f {
			if r := RoundFP16(f); r == r || math.Signbit(float64(r)) != math.Signbit(float64(f)) {
				t.Fatalf("fp16 NaN %#04x: RoundFP16 gave %v", h, r)
			}
			continue
		}
		if got := ToFP16Bits(f); got != h {
			t.Fatalf("fp16 %#04x -> %v -> %#04x", h, f, got)
		}
		if r := RoundFP16(f); bitsOf(r) != bitsOf(f) {
			t.Fatalf("RoundFP16(%v) = %v, want unchanged", f, r)
		}
		b := FromBF16Bits(h)
		if b != b {
			if r := RoundBF16(b); r == r {
				t.Fatalf("bf16 NaN %#04x lost", h)
			}
			continue
		}
		if got := ToBF16Bits(b); got != h {
			t.Fatalf("bf16 %#04x -> %v -> %#04x", h, b, got)
		}
	}
}

// allFinite returns the sorted finite non-negative values of a 16-bit format.
func allFinite(widen func(uint16) float32) []float64 {
	var v []float64
	for i := 0; i < 0x8000; i++ {
		f := widen(uint16(i))
		if !math.IsInf(float64(f), 0) && f == f {
			v = append(v, float64(f))
		}
	}
	sort.Float64s(v)
	return v
}

// nearest is an independent definition of round-to-nearest-even: search the
// sorted grid, break ties towards the even mantissa (even bit pattern), and
// overflow to Inf past max + half an ulp (ties to even there too).
func nearest(grid []float64, x float64, evenPattern func(float64) bool, maxHalfUlp float64) float64 {
	s := math.Copysign(1, x)
	a := math.Abs(x)
	if a >= maxHalfUlp {
		return s * math.Inf(1)
	}
	i := sort.SearchFloat64s(grid, a)
	if i < len(grid) && grid[i] == a {
		return s * a
	}
	lo, hi := grid[i-1], math.Inf(1)
	if i < len(grid) {
		hi = grid[i]
	}
	switch {
	case a-lo < hi-a:
		return s * lo
	case a-lo > hi-a:
		return s * hi
	case evenPattern(lo):
		return s * lo
	}
	return s * hi
}

func TestRoundMatchesIndependentNearest(t *testing.T) {
	f16 := allFinite(FromFP16Bits)
	b16 := allFinite(FromBF16Bits)
	evenF16 := func(v float64) bool { return ToFP16Bits(float32(v))&1 == 0 }
	evenB16 := func(v float64) bool { return ToBF16Bits(float32(v))&1 == 0 }
	bf16Max := float64(FromBF16Bits(0x7F7F))
	bf16HalfUlp := bf16Max + (float64(FromBF16Bits(0x7F7F))-float64(FromBF16Bits(0x7F7E)))/2
	r := rand.New(rand.NewPCG(1, 2))
	check := func(x float32) {
		if want := nearest(f16, float64(x), evenF16, 65520); float64(RoundFP16(x)) != want {
			t.Fatalf("RoundFP16(%g) = %g, want %g", x, RoundFP16(x), want)
		}
		if want := float32(nearest(f16, float64(x), evenF16, 65520)); FromFP16Bits(ToFP16Bits(x)) != want {
			t.Fatalf("x448 fp16(%g) = %g, want %g", x, FromFP16Bits(ToFP16Bits(x)), want)
		}
		if want := nearest(b16, float64(x), evenB16, bf16HalfUlp); float64(RoundBF16(x)) != want {
			t.Fatalf("RoundBF16(%g) = %g, want %g", x, RoundBF16(x), want)
		}
	}
	for i := 0; i < 200000; i++ {
		// random bit patterns cover every exponent; scaled normals cover the fp16 range densely
		x := math.Float32frombits(r.Uint32())
		if x != x || math.IsInf(float64(x), 0) {
			continue
		}
		check(x)
		check(float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(40)-26))))
	}
	// every midpoint between neighbouring fp16 values (exact in float32): the ties
	for i := 1; i < len(f16); i++ {
		m := float32((f16[i-1] + f16[i]) / 2)
		check(m)
		check(-m)
		check(math.Nextafter32(m, 0))
		check(math.Nextafter32(m, 1e30))
	}
}

func TestRoundEdgeCases(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	tests := []struct {
		name     string
		d        DType
		in, want float32
	}{
		{"fp16 max", FP16, 65504, 65504},
		{"fp16 below overflow midpoint", FP16, 65519.996, 65504},
		{"fp16 overflow midpoint ties to Inf", FP16, 65520, inf},
		{"fp16 negative overflow", FP16, -1e6, -inf},
		{"fp16 tie to even down", FP16, 1 + 1.0/2048, 1},
		{"fp16 tie to even up", FP16, 1 + 3.0/2048, 1 + 2.0/1024},
		{"fp16 smallest subnormal", FP16, 1.0 / (1 << 24), 1.0 / (1 << 24)},
		{"fp16 half smallest subnormal ties to zero", FP16, 1.0 / (1 << 25), 0},
		{"fp16 above half smallest subnormal", FP16, 1.0/(1<<25) + 1.0/(1<<40), 1.0 / (1 << 24)},
		{"fp16 1.5 subnormal ties to even (2)", FP16, 3.0 / (1 << 25), 2.0 / (1 << 24)},
		{"fp16 largest subnormal", FP16, 1023.0 / (1 << 24), 1023.0 / (1 << 24)},
		{"fp16 subnormal to normal boundary", FP16, 1023.5 / (1 << 24), 1.0 / (1 << 14)},
		{"fp16 Inf", FP16, inf, inf},
		{"fp16 -0", FP16, float32(math.Copysign(0, -1)), float32(math.Copysign(0, -1))},
		{"bf16 tie to even down", BF16, 1 + 1.0/256, 1},
		{"bf16 tie to even up", BF16, 1 + 3.0/256, 1 + 2.0/128},
		{"bf16 max", BF16, FromBF16Bits(0x7F7F), FromBF16Bits(0x7F7F)},
		{"bf16 float32 max overflows", BF16, math.MaxFloat32, inf},
		{"bf16 float32 subnormal", BF16, math.Float32frombits(0x00018000), math.Float32frombits(0x00020000)},
		{"bf16 smallest float32 subnormal ties to zero", BF16, math.Float32frombits(1), 0},
		{"fp32 unchanged", FP32, 1.2345678, 1.2345678},
	}
	for _, tc := range tests {
		got := tc.d.Round(tc.in)
		if bitsOf(got) != bitsOf(tc.want) {
			t.Errorf("%s: Round(%g) = %g (%#08x), want %g (%#08x)", tc.name, tc.in, got, bitsOf(got), tc.want, bitsOf(tc.want))
		}
	}
	for _, d := range []DType{FP16, BF16} {
		for _, x := range []float32{nan, -nan, math.Float32frombits(0x7F800001), math.Float32frombits(0xFFC00001)} {
			r := d.Round(x)
			if r == r {
				t.Errorf("%v: NaN %#08x rounded to %v", d, bitsOf(x), r)
			}
			if math.Signbit(float64(r)) != math.Signbit(float64(x)) {
				t.Errorf("%v: NaN %#08x lost its sign", d, bitsOf(x))
			}
		}
	}
}

func TestRoundSliceAndFinite(t *testing.T) {
	xs := []float32{1.0001, 70000, -3e-9}
	BF16.RoundSlice(xs)
	if xs[0] != 1 || xs[1] != 70144 {
		t.Fatalf("bf16 RoundSlice = %v", xs)
	}
	ys := []float32{1.0001, 70000}
	RoundSlice(FP16, ys)
	if ys[0] != 1 || !math.IsInf(float64(ys[1]), 1) || AllFinite(ys) {
		t.Fatalf("fp16 RoundSlice = %v", ys)
	}
	if !AllFinite([]float32{0, 1, -65504}) || IsFinite(float32(math.NaN())) {
		t.Fatal("AllFinite/IsFinite wrong")
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]DType{"fp32": FP32, "float16": FP16, "half": FP16, "BF16": BF16, "bfloat16": BF16} {
		got, err := ParseDType(in)
		if err != nil || got != want {
			t.Errorf("ParseDType(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "fp8", "int8", "fp64"} {
		if _, err := ParseDType(bad); err == nil {
			t.Errorf("ParseDType(%q) accepted", bad)
		}
	}
	var d DType
	if err := d.UnmarshalText([]byte("bf16")); err != nil || d != BF16 {
		t.Fatal("UnmarshalText bf16")
	}
	if err := d.UnmarshalText([]byte("fp128")); err == nil {
		t.Fatal("UnmarshalText accepted fp128")
	}
	for _, s := range []string{"fp32", "fp16", "bf16", "fp16-pure", "bf16-pure"} {
		p, err := ParsePolicy(s)
		if err != nil || p.String() != s {
			t.Errorf("ParsePolicy(%q) = %v, %v", s, p, err)
		}
	}
	for _, bad := range []string{"fp32-pure", "bf8", "pure"} {
		if _, err := ParsePolicy(bad); err == nil {
			t.Errorf("ParsePolicy(%q) accepted", bad)
		}
	}
	if p, _ := ParsePolicy("bf16-pure"); p.Weights() != BF16 || !p.Half() || p.NeedsLossScaling() {
		t.Error("bf16-pure properties")
	}
	if !FP16AMP.NeedsLossScaling() || FP16AMP.Weights() != FP32 || FP32Policy.Half() {
		t.Error("fp16 AMP / fp32 properties")
	}
}

// RoundSlice (vector loops on amd64) is bit-identical to Round for every
// float32 that can round differently: all 65536 values of the high 16 bits
// with every low 16-bit pattern that decides a rounding (ties, one below
// and above them, carries, the fp16 13-bit boundary, random ones), at
// every position of the 8-lane loop and in the scalar tail. With
// SSMLAB_EXHAUSTIVE=1 it checks all 2^32 patterns (about a minute).
func TestRoundSliceAllPatterns(t *testing.T) {
	lows := []uint32{0, 1, 0x0FFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x3000, 0x7FFF, 0x8000, 0x8001, 0x9000, 0xE000, 0xFFFF}
	r := rand.New(rand.NewPCG(3, 4))
	for range 6 {
		lows = append(lows, r.Uint32()&0xFFFF)
	}
	var xs []float32
	for hi := uint32(0); hi < 1<<16; hi++ {
		for _, lo := range lows {
			xs = append(xs, math.Float32frombits(hi<<16|lo))
		}
	}
	xs = append(xs, 1.5, -2.5, 3) // a tail the vector loop leaves
	checkRoundSlice(t, xs)
	// every length up to 48 (the 16-, 8-lane and scalar loops' tails), at
	// ordinary values and at the infinities and NaNs
	for _, off := range []int{1000, 0x7F7F * len(lows), 0xFF7F * len(lows)} {
		for n := 0; n <= 48; n++ {
			checkRoundSlice(t, xs[off:off+n])
		}
	}
	if os.Getenv("SSMLAB_EXHAUSTIVE") == "" {
		return
	}
	buf := make([]float32, 1<<24)
	for hi := uint32(0); hi < 1<<8; hi++ {
		for i := range buf {
			buf[i] = math.Float32frombits(hi<<24 | uint32(i))
		}
		checkRoundSlice(t, buf)
	}
}

// checkRoundSlice checks RoundSlice in place and RoundTo into another
// buffer (one longer than xs, whose last value must stay untouched)
// against Round, and that RoundTo leaves its source alone.
func checkRoundSlice(t *testing.T, xs []float32) {
	t.Helper()
	src := append([]float32(nil), xs...)
	for _, d := range []DType{BF16, FP16} {
		got := append([]float32(nil), xs...)
		d.RoundSlice(got)
		to := make([]float32, len(xs)+1)
		to[len(xs)] = 7
		d.RoundTo(to, src)
		for i, x := range xs {
			w := d.Round(x)
			if bitsOf(got[i]) != bitsOf(w) {
				t.Fatalf("%v: RoundSlice(%#08x) = %#08x, Round gives %#08x", d, bitsOf(x), bitsOf(got[i]), bitsOf(w))
			}
			if bitsOf(to[i]) != bitsOf(w) {
				t.Fatalf("%v: RoundTo(%#08x) = %#08x, Round gives %#08x", d, bitsOf(x), bitsOf(to[i]), bitsOf(w))
			}
			if bitsOf(src[i]) != bitsOf(x) {
				t.Fatalf("%v: RoundTo changed its source at %d", d, i)
			}
		}
		if to[len(xs)] != 7 {
			t.Fatalf("%v: RoundTo wrote past the source's length", d)
		}
	}
	to := make([]float32, len(xs))
	FP32.RoundTo(to, src)
	for i := range xs {
		if bitsOf(to[i]) != bitsOf(xs[i]) {
			t.Fatalf("fp32: RoundTo(%#08x) = %#08x, want a copy", bitsOf(xs[i]), bitsOf(to[i]))
		}
	}
}

// TestFusedPasses checks ScaleTo, AddRounded and AddScaled against the
// separate passes they replace (copy, kern.Scale, kern.Add, RoundSlice),
// bit for bit, on values around every rounding boundary, specials and
// random bit patterns, at lengths with and without a scalar tail, for
// both 16-bit types and FP32.
func TestFusedPasses(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 65504, 65520, -65536, 6e-8, 1e-40, 3e38,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	gen := func(n int) []float32 {
		xs := make([]float32, n)
		for i := range xs {
			switch {
			case i < len(special):
				xs[i] = special[i]
			case i%3 == 0:
				xs[i] = math.Float32frombits(r.Uint32())
			default: // near a 16-bit tie
				xs[i] = math.Float32frombits(r.Uint32()&0xC7FF0000 | 0x8000 + r.Uint32()%3 - 1)
			}
		}
		r.Shuffle(n, func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		return xs
	}
	// acc (nil for ScaleTo) excuses the one case where float32 addition
	// is not a function of its values: two NaNs, whose sum carries the
	// payload of whichever operand the compiler or kernel put first.
	same := func(name string, d DType, got, want, acc []float32) {
		t.Helper()
		for i := range want {
			if acc != nil && acc[i] != acc[i] && got[i] != got[i] && want[i] != want[i] {
				continue
			}
			if bitsOf(got[i]) != bitsOf(want[i]) {
				t.Fatalf("%v %s[%d] = %#08x, the separate passes give %#08x", d, name, i, bitsOf(got[i]), bitsOf(want[i]))
			}
		}
	}
	for _, n := range []int{0, 1, 7, 8, 29, 4096, 4101} {
		for _, d := range []DType{BF16, FP16, FP32} {
			for _, s := range []float32{2, 0.3125, 1.7} {
				src, acc := gen(n), gen(n)
				src0 := append([]float32(nil), src...)

				want := append([]float32(nil), src...)
				kern.Scale(want, s)
				d.RoundSlice(want)
				got := make([]float32, n)
				d.ScaleTo(got, src, s)
				same("ScaleTo", d, got, want, nil)

				want = append([]float32(nil), src...)
				d.RoundSlice(want)
				kern.Add(want, acc, want)
				got = append([]float32(nil), acc...)
				d.AddRounded(got, src)
				same("AddRounded", d, got, want, acc)

				b := append([]float32(nil), src...)
				d.RoundSlice(b)
				kern.Scale(b, s)
				d.RoundSlice(b)
				want = append([]float32(nil), acc...)
				kern.Add(want, want, b)
				d.RoundSlice(want)
				got = append([]float32(nil), acc...)
				d.AddScaled(got, src, s)
				same("AddScaled", d, got, want, acc)

				same("source", d, src, src0, nil)
			}
		}
	}
}
