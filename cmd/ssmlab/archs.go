package main

// Packages that register themselves when imported: architectures hf.Load
// can build, and the experiment kinds and artifacts the runner knows.
import (
	_ "github.com/ssmlab/ssmlab/experiments/paper"
	_ "github.com/ssmlab/ssmlab/models/mamba"
)
