// Package precision defines the floating-point formats ssmlab studies (fp32,
// fp16, bf16), bit-exact round-to-nearest-even conversion between them, the
// autocast policy that says where a 16-bit tensor is held (docs/precision.md),
// and a dynamic loss scaler with PyTorch GradScaler semantics.
//
// fp16 and bf16 are emulated: values are stored as float32 and rounded to the
// 16-bit grid at exactly the points where PyTorch autocast would hold a
// 16-bit tensor. One code path, one rounding rule.
//
// This package is a leaf: it imports nothing from ssmlab.
package precision
