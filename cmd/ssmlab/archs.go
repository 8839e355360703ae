package main

// The architectures hf.Load can build, and the experiment kinds of the
// paper, register themselves when imported.
import (
	_ "github.com/ssmlab/ssmlab/experiments/paper"
	_ "github.com/ssmlab/ssmlab/models/mamba"
)
