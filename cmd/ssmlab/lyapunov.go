package main

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

var cmdLyapunov = &Command{
	Name:  "lyapunov",
	Usage: "lyapunov --model DIR --input IN.safetensors --out OUT.safetensors [--precision fp32|fp16|bf16]",
	Short: "write the exact Lyapunov exponents of each SSM layer along an input",
	Long: `Lyapunov runs an SSM model (Mamba, Mamba-2, or a hybrid stack, whose
SSM layers are measured and attention layers skipped) on the token ids in
IN and writes the exact Lyapunov spectrum of every SSM layer's state
recurrence along that input (docs/metrics.md, Theorem 1 of arXiv
2406.00209).

For a fixed input Mamba's state Jacobian is diagonal, dh_t/dh_{t-1} =
diag(exp(Δ_t[d]·A[d,n])), so the exponents are exactly
λ[l,d,n] = A[d,n] · mean_t Δ_t[d] and ζ_l = max λ ≤ 0.

A pass that needs more memory than the machine has available (estimated
from config.json and the input's shape; SSMLAB_MEMORY=64GB or unlimited
overrides it) is refused before the model is loaded.

Reads:
  --model DIR    an HF model directory of an SSM architecture
  --input IN     safetensors with input_ids, I64 or I32, [B, T]

Writes OUT (safetensors, atomically; nothing on error):
  Mamba:    lyapunov_spectrum.<layer>  F32 [B, d_inner, d_state]
            lyapunov_max.<layer>       F32 [B]
  Mamba-2:  lyapunov_spectrum.<layer>  F32 [B, heads]: A is a scalar per head,
            so all head_dim x d_state entries of a head share it
            lyapunov_max.<layer>       F32 [B]
  Hybrid:   the same per SSM layer, by its kind; <layer> is the layer's
            index in the stack, so attention layers' indices are absent

--precision runs the forward pass (which produces Δ) under fp16/bf16
autocast semantics; the exponents are computed in fp32.

Example:
  ssmlab lyapunov --model mamba-130m-hf --input ids.safetensors --out lyap.safetensors`,
}

func init() {
	io := modelIOFlags(&cmdLyapunov.Flag, "HF model `DIR` of an SSM architecture (mamba, mamba2, hybrid)", "fp32, fp16 or bf16 for the forward pass")
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
	a, err := models.Of(m)
	if err != nil {
		return err
	}
	ts, err := lyapunovTensors(a, m, pol, ids, B, T)
	if err != nil {
		return fmt.Errorf("%s: %v", modelDir, err)
	}
	return safetensors.WriteFile(out, ts, map[string]string{"precision": pol.String()})
}

// lyapunovTensors runs m, a model of the architecture a, under pol on ids
// (B sequences of T tokens) and returns lyapunov_spectrum.<layer> (F32,
// [B, the layer's spectrum shape]) and lyapunov_max.<layer> (F32, [B]) for
// each SSM layer, from the entry's Spectra hook.
func lyapunovTensors(a *models.Arch, m lm.Model, pol precision.Policy, ids []int, B, T int) ([]safetensors.Tensor, error) {
	var sp []models.Spectrum
	if a.Spectra != nil {
		sp = a.Spectra(m, pol, ids, B, T)
	}
	if len(sp) == 0 {
		var ns []string
		for _, e := range models.All() {
			if e.Spectra != nil {
				ns = append(ns, e.Name)
			}
		}
		return nil, fmt.Errorf("a %s model has no SSM state recurrence with an exact spectrum; lyapunov needs one of %v (Transformers are compared by output-deviation growth in configs/lyapunov.toml)", m.Arch(), ns)
	}
	var ts []safetensors.Tensor
	for _, l := range sp {
		ts = append(ts, safetensors.F32Tensor(fmt.Sprintf("lyapunov_spectrum.%d", l.Layer), append([]int{B}, l.Shape...), l.Exponents),
			safetensors.F32Tensor(fmt.Sprintf("lyapunov_max.%d", l.Layer), []int{B}, l.Max))
	}
	return ts, nil
}
