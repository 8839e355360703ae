package main

import (
	"fmt"

	"github.com/ssmlab/ssmlab/metrics/lyapunov"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

var cmdLyapunov = &Command{
	Name:  "lyapunov",
	Usage: "lyapunov --model DIR --input IN.safetensors --out OUT.safetensors [--precision fp32|fp16|bf16]",
	Short: "write the exact Lyapunov exponents of each SSM layer along an input",
	Long: `Lyapunov runs a Mamba or Mamba-2 model on the token ids in IN and writes
the exact Lyapunov spectrum of every layer's state recurrence along that
input (docs/metrics.md, Theorem 1 of arXiv 2406.00209).

For a fixed input Mamba's state Jacobian is diagonal, dh_t/dh_{t-1} =
diag(exp(Δ_t[d]·A[d,n])), so the exponents are exactly
λ[l,d,n] = A[d,n] · mean_t Δ_t[d] and ζ_l = max λ ≤ 0.

A pass that needs more memory than the machine has available (estimated
from config.json and the input's shape; SSMLAB_MEMORY=64GB or unlimited
overrides it) is refused before the model is loaded.

Reads:
  --model DIR    an HF Mamba or Mamba-2 model directory
  --input IN     safetensors with input_ids, I64 or I32, [B, T]

Writes OUT (safetensors, atomically; nothing on error):
  Mamba:    lyapunov_spectrum.<layer>  F32 [B, d_inner, d_state]
            lyapunov_max.<layer>       F32 [B]
  Mamba-2:  lyapunov_spectrum.<layer>  F32 [B, heads]: A is a scalar per head,
            so all head_dim x d_state entries of a head share it
            lyapunov_max.<layer>       F32 [B]

--precision runs the forward pass (which produces Δ) under fp16/bf16
autocast semantics; the exponents are computed in fp32.

Example:
  ssmlab lyapunov --model mamba-130m-hf --input ids.safetensors --out lyap.safetensors`,
}

func init() {
	io := modelIOFlags(&cmdLyapunov.Flag, "HF model `DIR` (mamba or mamba2)", "fp32, fp16 or bf16 for the forward pass")
	cmdLyapunov.Run = func(_ *Command, args []string) error {
		pol, err := io.check("lyapunov", args)
		if err != nil {
			return err
		}
		return runLyapunov(*io.model, *io.input, *io.out, pol)
	}
	register(cmdLyapunov)
}

func runLyapunov(modelDir, input, out string, pol precision.Policy) error {
	ids, B, T, err := readIDs(input)
	if err != nil {
		return err
	}
	if err := checkPassBudget("lyapunov", modelDir, B, T, false); err != nil {
		return err
	}
	m, err := hf.Load(modelDir)
	if err != nil {
		return err
	}
	if err := lm.CheckIDs(input, ids, B, T, m.VocabSize()); err != nil {
		return err
	}
	var ts []safetensors.Tensor
	add := func(l int, spec []float32, shape []int, max []float32) {
		ts = append(ts, safetensors.F32Tensor(fmt.Sprintf("lyapunov_spectrum.%d", l), shape, spec),
			safetensors.F32Tensor(fmt.Sprintf("lyapunov_max.%d", l), []int{B}, max))
	}
	switch mm := m.(type) {
	case *mamba.Model:
		mm.Forward(pol, ids, B, T)
		E, N := mm.Cfg.E(), mm.Cfg.N
		for l, delta := range mm.Deltas() {
			spec, zeta := lyapunov.ExactSpectrumBatch(mm.Layers[l].Mixer.A(), E, N, delta, B, T)
			add(l, spec, []int{B, E, N}, zeta)
		}
	case *mamba2.Model:
		mm.Forward(pol, ids, B, T)
		H := mm.Config().H()
		for l := range mm.Layers {
			spec, maxes := lyapunov.ScalarSpectrum(mm.DT(l), mm.A(l), B, T, H)
			add(l, spec, []int{B, H}, maxes)
		}
	default:
		return fmt.Errorf("%s: a %s model has no SSM state recurrence; lyapunov needs mamba or mamba2 (Transformers are compared by output-deviation growth in configs/lyapunov.toml)", modelDir, m.Arch())
	}
	return safetensors.WriteFile(out, ts, map[string]string{"precision": pol.String()})
}
