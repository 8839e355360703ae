package paper

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ssmlab/ssmlab/models"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
)

// subject is what a trial studies: how to get each draw of its model.
type subject struct {
	name          string // the [models.NAME]
	label         string // legend text
	trained       bool
	source        string // "init" or the checkpoint directory
	arch          string
	radius        float64 // a recurrent control's (models.Arch.Radius)
	draws         int
	layersPerDraw int // SSM layers of one draw; 0 for other archs
	build         func(draw int) (lm.Model, error)
}

// resolveModel says what a trial studies, in this order:
//  1. a spec with path: that HF checkpoint, one draw;
//  2. a model listed in params.pretrained: its pretrained base, the
//     directory pretrainedBase returns (the "pretrain" artifact), one draw;
//  3. otherwise params.draws (or draws_for) fresh initialisations of the
//     spec with the architecture's own init (mamba_ssm's for Mamba and
//     Mamba-2), draw i seeded by the i-th number of the trial's stream
//     "draws/<model name>" (so two specs never share a draw's weights).
func resolveModel(c *experiments.Context, t *config.Trial, p *LyapunovParams) (subject, error) {
	s := subject{name: t.ModelName, source: "init", draws: p.draws(t.ModelName)}
	dir := t.Model.Path
	if slices.Contains(p.Pretrained, t.ModelName) {
		var err error
		if dir, err = pretrainedBase(c, t); err != nil {
			return s, err
		}
	}
	if dir != "" {
		m, err := hf.Load(dir)
		if err != nil {
			return s, err
		}
		s.trained, s.source, s.draws = true, portablePath(dir), 1
		s.build = func(int) (lm.Model, error) { return m, nil }
	} else {
		rng := c.Rand("draws/" + t.ModelName)
		seeds := make([]uint64, s.draws)
		for i := range seeds {
			seeds[i] = rng.Uint64()
		}
		s.build = func(d int) (lm.Model, error) { return BuildModel(t.Model, p.Vocab, seeds[d]) }
	}
	m, err := s.build(0)
	if err != nil {
		return s, err
	}
	s.arch = m.Arch()
	if a, err := models.Of(m); err == nil {
		if a.SSMLayers != nil {
			s.layersPerDraw = a.SSMLayers(m)
		}
		if a.Radius != nil {
			s.radius = a.Radius(m)
		}
	}
	s.label = subjectLabel(t.Model, s)
	return s, nil
}

// subjectLabel names the subject in legends: the spec's family (or the
// architecture's name) and whether it is trained.
func subjectLabel(spec *config.Model, s subject) string {
	name := models.Label(s.arch)
	if spec.Family != "" {
		name = spec.Family
	}
	switch {
	case models.IsKind(s.arch, models.Recurrent):
		return fmt.Sprintf("%s ρ=%g", name, s.radius)
	case s.trained:
		return name + " (trained)"
	}
	return name + " (init)"
}

// randomTokens draws T token ids uniformly from [0, vocab).
func randomTokens(r *rand.Rand, vocab, T int) []int {
	ids := make([]int, T)
	for i := range ids {
		ids[i] = r.IntN(vocab)
	}
	return ids
}

// portablePath names an artifact by its place under the results directory
// (artifacts/pretrain/<label>-<hash>/model), so summaries do not depend on
// where results/ lives and shards run on other machines merge cleanly; any
// other path (a user's checkpoint) is kept as given.
func portablePath(dir string) string {
	slash := filepath.ToSlash(dir)
	if i := strings.LastIndex(slash, "/artifacts/"); i >= 0 {
		return slash[i+1:]
	}
	return dir
}
