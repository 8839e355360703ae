package main

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/cuda"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/precision"
)

// eval --device cuda: every request is scored whole from the GPU model's
// logits (cuda.Upload's full-sequence forward); shared-context scoring
// (one prefill per document, its choices stepped from the state or
// key/value cache) stays on the CPU, so on the GPU it is off.

// deviceLogits is a model on a device: a forward pass and its logits.
type deviceLogits interface {
	Forward(ids []int, B, T int) error
	Logits() ([]float32, error)
}

// deviceScorer is the CPU model (its vocabulary and architecture) whose
// inference runs on a device: score.Score takes the logits of every batch
// of whole requests from its Infer. The first device error is kept (Infer
// returns NaN logits from then on) and reported by Err after scoring.
type deviceScorer struct {
	lm.Model
	dev deviceLogits
	err error
}

// Infer implements the scorer's inference hook with the device's forward.
func (s *deviceScorer) Infer(_ precision.Policy, ids []int, B, T int) []float32 {
	if s.err == nil {
		if s.err = s.dev.Forward(ids, B, T); s.err == nil {
			var l []float32
			if l, s.err = s.dev.Logits(); s.err == nil {
				if len(l) == B*T*s.VocabSize() {
					return l
				}
				s.err = fmt.Errorf("the device returned %d logits for %d x %d positions of %d", len(l), B, T, s.VocabSize())
			}
		}
	}
	nan := make([]float32, B*T*s.VocabSize())
	for i := range nan {
		nan[i] = float32(math.NaN())
	}
	return nan
}

// Err is the first device error of the scoring so far.
func (s *deviceScorer) Err() error { return s.err }

// evalOnGPU uploads m (its adapters merged into the base weights, as a
// deployed LoRA model runs) to d for inference under pol.
func evalOnGPU(d *cuda.Device, m lm.Model, adapters *lora.Adapters, pol precision.Policy) (*deviceScorer, func(), error) {
	if adapters != nil {
		adapters.Merge()
	}
	g, err := cuda.Upload(d, m, pol)
	if err != nil {
		return nil, nil, fmt.Errorf("--device cuda: %v", err)
	}
	return &deviceScorer{Model: m, dev: g}, g.Free, nil
}
