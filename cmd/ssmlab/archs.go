package main

// Packages that register themselves when imported: every architecture
// (models/all fills the models registry, which hf.Load also uses) and the
// experiment kinds and artifacts the runner knows.
import (
	_ "github.com/ssmlab/ssmlab/experiments/paper"
	_ "github.com/ssmlab/ssmlab/models/all"
)
