package paper

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
)

// Hyperparameters a trial cannot train or score with fail when the
// experiment is loaded (so in validate), with one line naming them, not
// midway through a run (logit_tasks = -1 was a recovered panic there).
func TestUntrainableSettingsFailValidate(t *testing.T) {
	cases := []struct{ old, new, want string }{
		{"steps = 4\n", "steps = 0\n", "pretrain.steps must be at least 1"},
		{"steps = 3\n", "steps = 0\n", "train.steps must be at least 1"},
		{"learning_rate = 1e-3\n", "learning_rate = 0.0\n", "train.learning_rate must be positive"},
		{"logit_tasks = 1\n", "logit_tasks = -1\n", "logit_tasks and logit_shots must be >= 0"},
		{"logit_shots = 1\n", "logit_shots = -1\n", "logit_tasks and logit_shots must be >= 0"},
	}
	for _, c := range cases {
		if !strings.Contains(tinyMPFT, c.old) {
			t.Fatalf("%q not in the config", c.old)
		}
		p := filepath.Join(t.TempDir(), "tf.toml")
		os.WriteFile(p, []byte(strings.Replace(tinyMPFT, c.old, c.new, 1)), 0o644)
		_, err := experiments.Load(p, "default")
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v", c.new, err)
		}
	}
	p := filepath.Join(t.TempDir(), "tf.toml")
	os.WriteFile(p, []byte(tinyMPFT), 0o644)
	if _, err := experiments.Load(p, "default"); err != nil {
		t.Errorf("the unchanged config: %v", err)
	}
}
