package store

import (
	"path/filepath"
	"strings"
	"testing"
)

// A long label (several long names joined) still makes a folder name far
// below the 255-byte limit; the hash keeps two such artifacts apart.
func TestArtifactDirCutsLongLabels(t *testing.T) {
	label := strings.Repeat("m", 300) + "_lora_bf16_seed=0"
	a := filepath.Base(ArtifactDir("results", "finetune", label, "0123456789abcdef"))
	b := filepath.Base(ArtifactDir("results", "finetune", label, "fedcba9876543210"))
	if len(a) > MaxLabelLen+17 || a == b || !strings.HasSuffix(a, "-0123456789abcdef") {
		t.Errorf("%d bytes: %s; %s", len(a), a, b)
	}
	if got := filepath.Base(ArtifactDir("results", "pretrain", "mamba-s_seed=0", "0123")); got != "mamba-s_seed=0-0123" {
		t.Errorf("short label changed: %s", got)
	}
}
