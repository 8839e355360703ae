package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/internal/jsonnum"
	"github.com/ssmlab/ssmlab/plots"
)

// curveLine is one line of a training run's train/log.jsonl: the mean
// training loss since the previous line and the validation loss. Runs
// logged before log.jsonl became the curve have one line per step with
// "loss" and a 0-based step.
// Non-finite losses (a diverged run) are logged as jsonnum writes them
// (NaN as null, which reads as no point) or as older files spelled them.
type curveLine struct {
	Step      int            `json:"step"`
	TrainLoss *jsonnum.Float `json:"train_loss"`
	ValLoss   *jsonnum.Float `json:"val_loss"`
	Loss      *jsonnum.Float `json:"loss"`
}

// trainingCurves draws one loss-curve figure per finished training run
// (pretrained bases and fine-tuned models under results/artifacts/) and
// returns a claim listing them; none when no run has a log.
func trainingCurves(results string, out Out) (*Claim, error) {
	var names []string
	for _, kind := range []string{"pretrain", "finetune"} {
		dirs, err := os.ReadDir(filepath.Join(results, "artifacts", kind))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			dir := filepath.Join(results, "artifacts", kind, d.Name())
			if !d.IsDir() || !store.Done(dir) {
				continue
			}
			train, val, err := readCurve(filepath.Join(dir, "train", "log.jsonl"))
			if errors.Is(err, fs.ErrNotExist) || (err == nil && len(train.X) == 0) {
				continue
			}
			if err != nil {
				return nil, err
			}
			name := "loss_" + kind + "_" + d.Name()
			series := []plots.Series{train}
			if len(val.X) > 0 {
				series = append(series, val)
			}
			f := plots.Figure{Name: name, Cols: 1, Caption: fmt.Sprintf("Training and validation loss of %s (%s)", d.Name(), kind),
				Panels: []plots.Panel{{Title: d.Name(), XLabel: "step", YLabel: "loss (nats/token)", Series: series}}}
			if err := f.Write(out.Figures); err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	sort.Strings(names)
	c := &Claim{ID: "training-curves", Title: "Training curves of every pretrained base and fine-tuned model", Paper: "—",
		Ours: fmt.Sprintf("%d runs", len(names)), Verdict: Informational,
		Setting: "train loss: mean over the steps between log lines (log_every); validation loss: held-out suite data"}
	for _, n := range names {
		c.Notes = append(c.Notes, fmt.Sprintf("[%s](figures/%s.png)", n, n))
	}
	return c, nil
}

// readCurve reads a log.jsonl into a train-loss and a validation-loss
// series (non-finite losses left out).
func readCurve(path string) (train, val plots.Series, err error) {
	f, err := fsx.Open(path)
	if err != nil {
		return train, val, err
	}
	defer f.Close()
	train = plots.Series{Label: "train", Color: 0}
	val = plots.Series{Label: "validation", Color: 1, Dashed: true}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for n := 1; sc.Scan(); n++ {
		var l curveLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return train, val, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		step := float64(l.Step)
		tl := l.TrainLoss
		if tl == nil && l.Loss != nil { // the older per-step layout
			tl, step = l.Loss, step+1
		}
		if tl != nil && finite(float64(*tl)) {
			train.X, train.Y = append(train.X, step), append(train.Y, float64(*tl))
		}
		if l.ValLoss != nil && finite(float64(*l.ValLoss)) {
			val.X, val.Y = append(val.X, step), append(val.Y, float64(*l.ValLoss))
		}
	}
	return train, val, sc.Err()
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
