package nn

import "github.com/ssmlab/ssmlab/models/internal/scratch"

// ReleaseScratch empties the free lists through which layers, models and
// the GEMM backends reuse their work buffers from step to step, so that a
// garbage collection can free what they held. A training loop never needs
// it; a measurement of one model's memory after another's does (the lists
// would carry the first model's buffers into the second's baseline).
func ReleaseScratch() { scratch.ReleaseAll() }
