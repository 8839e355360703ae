package config

import "github.com/ssmlab/ssmlab/models/precision"

// Trial is one point of a sweep with every setting resolved: what a kind
// runs and what the runner stores (config.json) and hashes. Only what can
// change the trial's results is here: unused models and the description are
// left out, so editing them does not invalidate results.
type Trial struct {
	Experiment string `json:"experiment"`
	Kind       string `json:"kind"`
	// Key names the trial's directory under results/runs/<experiment>/.
	Key string `json:"key"`
	// Index is the trial's place in the stable sweep order (sharding uses
	// it); not stored, since adding axis values renumbers trials.
	Index int `json:"-"`
	// Axes are the sweep values of this trial, in key order.
	Axes []Axis `json:"axes"`

	Seed       int64              `json:"seed"`
	Precision  precision.Policy   `json:"precision"`
	ModelName  string             `json:"model_name,omitempty"`
	Model      *Model             `json:"model,omitempty"`  // nil when the experiment names no model
	Device     string             `json:"device,omitempty"` // "cuda", or empty for the CPU
	MethodName string             `json:"method_name"`
	Method     Method             `json:"method"`
	Data       map[string]Dataset `json:"data,omitempty"`
	Pretrain   Pretrain           `json:"pretrain"`
	Train      Train              `json:"train"`
	Eval       Eval               `json:"eval"`
	// Params is the kind's params value (a pointer to its struct).
	Params any `json:"params,omitempty"`
}

// Axis is one sweep axis and its value in a trial.
type Axis struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// AxisValue returns the value of the named axis, or nil.
func (t *Trial) AxisValue(name string) any {
	for _, a := range t.Axes {
		if a.Name == name {
			return a.Value
		}
	}
	return nil
}

// newTrial picks out of s what trial number i runs.
func newTrial(s *Settings, params any, axes []Axis, i int) Trial {
	t := Trial{
		Experiment: s.Name, Kind: s.Kind, Key: Key(axes), Index: i, Axes: axes,
		Seed: s.Seed, Precision: s.Precision, ModelName: s.Model,
		MethodName: s.Method, Method: s.Methods[s.Method], Data: s.Data,
		Pretrain: s.Pretrain, Train: s.Train, Eval: s.Eval, Params: params,
	}
	if m, ok := s.Models[s.Model]; ok {
		t.Model = &m
	}
	if s.Device != "cpu" { // the CPU stays unrecorded, so CPU trials keep their hashes and keys
		t.Device = s.Device
		if t.AxisValue("device") == nil {
			// the key names the device, so a GPU trial never shares a
			// results directory with a CPU one
			t.Key = Key(append(append([]Axis(nil), axes...), Axis{"device", s.Device}))
		}
	}
	return t
}
