package train

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/optim"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Config is one training run's settings.
type Config struct {
	Steps       int            // optimizer steps
	Accum       int            // micro-batches per step (gradient accumulation)
	Schedule    optim.Schedule // learning rate; Total defaults to Steps
	AdamW       optim.AdamWConfig
	ClipNorm    float64          // global gradient-norm clip; 0 disables
	Policy      precision.Policy // fp32, fp16, bf16 (+ -pure)
	CkptEvery   int              // steps between checkpoints; 0 = only at the end
	LogEvery    int              // steps between log.jsonl lines (and the last step); 0 or 1 = every step
	ValBatches  int              // validation batches per log line when the Trainer has Val (default 4)
	ConfigJSON  string           // the resolved experiment config, stored in checkpoints
	ProgressSec float64          // seconds between progress lines (default 2)
}

// Validate checks the settings and fills defaults.
func (c *Config) Validate() error {
	if c.Steps < 1 {
		return fmt.Errorf("training needs steps >= 1 (have %d)", c.Steps)
	}
	if c.Accum < 1 {
		c.Accum = 1
	}
	if c.Schedule.Total == 0 {
		c.Schedule.Total = c.Steps
	}
	if c.Schedule.Kind == "" {
		c.Schedule.Kind = "constant"
	}
	if c.ProgressSec == 0 {
		c.ProgressSec = 2
	}
	if c.ValBatches == 0 {
		c.ValBatches = 4
	}
	return c.Schedule.Validate()
}

// Data yields micro-batches. Batch(i) must be a pure function of i so that
// resumed runs see the same data; ids and targets are B*T, row-major;
// targets use nn.IgnoreIndex for positions outside the loss.
type Data interface {
	Shape() (B, T int)
	Batch(i int) (ids, targets []int)
}
