package precision

import (
	"fmt"
	"strings"
)

// Policy is the autocast policy of docs/precision.md, passed explicitly to
// every layer instead of living in global state.
//
// With Compute = FP32 nothing is rounded. With Compute = FP16 or BF16:
//   - matmul/linear/conv1d round their operands to Compute, accumulate in
//     fp32 and round the result to Compute;
//   - exp, log, softplus, norms, softmax, cross-entropy and the selective-scan
//     state stay fp32 (they take whatever 16-bit tensor they receive);
//   - elementwise ops on 16-bit activations compute in fp32 and round their
//     output (Act);
//   - master weights are fp32 unless PureWeights is set, in which case the
//     weights themselves live on the 16-bit grid (the "-pure" stress variants).
type Policy struct {
	Compute     DType
	PureWeights bool
}

// Standard policies.
var (
	FP32Policy = Policy{Compute: FP32}
	FP16AMP    = Policy{Compute: FP16}
	BF16AMP    = Policy{Compute: BF16}
)

// ParsePolicy accepts fp32, fp16, bf16, fp16-pure and bf16-pure (and the
// aliases of ParseDType before the suffix).
func ParsePolicy(s string) (Policy, error) {
	name, pure := strings.CutSuffix(strings.ToLower(strings.TrimSpace(s)), "-pure")
	d, err := ParseDType(name)
	if err != nil {
		return Policy{}, fmt.Errorf("unknown precision %q (want fp32, fp16, bf16, fp16-pure or bf16-pure)", s)
	}
	if pure && d == FP32 {
		return Policy{}, fmt.Errorf("precision %q: -pure needs fp16 or bf16", s)
	}
	return Policy{Compute: d, PureWeights: pure}, nil
}

// String returns the name ParsePolicy accepts.
func (p Policy) String() string {
	if p.PureWeights {
		return p.Compute.String() + "-pure"
	}
	return p.Compute.String()
}

// MarshalText implements encoding.TextMarshaler.
func (p Policy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Policy) UnmarshalText(b []byte) error {
	v, err := ParsePolicy(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Half reports whether the policy computes matmuls in a 16-bit type.
func (p Policy) Half() bool { return p.Compute != FP32 }

// Act rounds an activation buffer to the compute type in place, as a 16-bit
// tensor op would round its output. No-op under fp32.
func (p Policy) Act(xs []float32) { p.Compute.RoundSlice(xs) }

// ActTo writes src rounded to the compute type into dst (a copy under
// fp32): Act on a copy, in one pass.
func (p Policy) ActTo(dst, src []float32) { p.Compute.RoundTo(dst, src) }

// Weights returns the storage type of parameters under this policy.
func (p Policy) Weights() DType {
	if p.PureWeights {
		return p.Compute
	}
	return FP32
}

// NeedsLossScaling reports whether training under p uses dynamic loss scaling
// (fp16 does, bf16 does not: its range is float32's).
func (p Policy) NeedsLossScaling() bool { return p.Compute == FP16 }
