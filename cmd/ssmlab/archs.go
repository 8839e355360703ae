package main

// The architectures hf.Load can build register themselves when imported.
import (
	_ "github.com/ssmlab/ssmlab/models/mamba"
)
