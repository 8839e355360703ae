package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeParams is the params struct of the test kind "fake".
type fakeParams struct {
	Radius float64 `toml:"radius" json:"radius"`
	Layers int     `toml:"layers" json:"layers"`
}

var testOpts = Options{
	Kinds: []string{"fake", "other"},
	Params: func(kind string) any {
		if kind == "fake" {
			return &fakeParams{Radius: 1, Layers: 3}
		}
		return &struct{}{}
	},
}

func TestLoadSweep(t *testing.T) {
	e, err := Load("testdata/configs/sweep.toml", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Trials) != 16 {
		t.Fatalf("%d trials, want 16", len(e.Trials))
	}
	first, last := e.Trials[0], e.Trials[15]
	if first.Key != "model=mamba-s_precision=fp32_train.learning_rate=0.001_seed=0" {
		t.Errorf("first key %q", first.Key)
	}
	if last.Key != "model=neox-s_precision=bf16_train.learning_rate=0.0003_seed=1" {
		t.Errorf("last key %q", last.Key)
	}
	if last.Train.LearningRate != 3e-4 || last.Seed != 1 || last.Precision.String() != "bf16" || last.Model.Arch != "gpt_neox" {
		t.Errorf("last trial not resolved: %+v", last)
	}
	if first.Train.Steps != 40 || first.Train.WarmupSteps != 2 || first.Train.BatchSize != 16 {
		t.Errorf("include/override/default order wrong: %+v", first.Train)
	}
	if p := first.Params.(*fakeParams); p.Radius != 0.5 || p.Layers != 3 {
		t.Errorf("params %+v", p)
	}
	if first.Model.DState != 16 || first.Model.DtRank != 1 {
		t.Errorf("model defaults not filled: %+v", first.Model)
	}
	if !first.Method.LoRA() == (first.MethodName != "full") {
		t.Errorf("method %q %+v", first.MethodName, first.Method)
	}
}

func TestLoadProfile(t *testing.T) {
	e, err := Load("testdata/configs/sweep.toml", Options{Profile: "quick", Kinds: testOpts.Kinds, Params: testOpts.Params})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Trials) != 8 || e.Trials[0].Train.Steps != 4 || e.Trials[0].Train.WarmupSteps != 2 {
		t.Fatalf("quick: %d trials, train %+v", len(e.Trials), e.Trials[0].Train)
	}
}

func TestLoadIsDeterministic(t *testing.T) {
	a, err := Load("testdata/configs/sweep.toml", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, _ := Load("testdata/configs/sweep.toml", testOpts)
		for i := range a.Trials {
			if a.Trials[i].Key != b.Trials[i].Key {
				t.Fatalf("trial %d: %q then %q", i, a.Trials[i].Key, b.Trials[i].Key)
			}
		}
	}
}

// TestLoadErrors checks that bad files give one line naming file and line.
func TestLoadErrors(t *testing.T) {
	head := "name = \"x\"\nkind = \"fake\"\n"
	for _, tc := range []struct {
		name  string
		files map[string]string // relative to configs/; "x.toml" is loaded
		want  string
	}{
		{"unknown key", map[string]string{"x.toml": head + "[train]\nsteps = 3\nlerning_rate = 0.1\n"},
			`x.toml:5: unknown key "lerning_rate" in [train] (did you mean learning_rate?)`},
		{"unknown top key", map[string]string{"x.toml": head + "sed = 1\n"},
			`x.toml:3: unknown key "sed" at top level (did you mean seed?)`},
		{"unknown table", map[string]string{"x.toml": head + "\n[trian]\nsteps = 1\n"},
			`x.toml:4: unknown key "trian" at top level (did you mean train?)`},
		{"unknown in model", map[string]string{"x.toml": head + "[models.m]\narch = \"mamba\"\nd_modle = 8\n"},
			`x.toml:5: unknown key "d_modle" in [models.m] (did you mean d_model?)`},
		{"unknown in inline", map[string]string{"x.toml": head + "models.m = { arch = \"mamba\", layres = 2 }\n"},
			`x.toml:3: unknown key "layres" in [models.m] (did you mean layers?)`},
		{"unknown param", map[string]string{"x.toml": head + "[params]\nradiu = 2.0\n"},
			`x.toml:4: unknown key "radiu" in [params] (did you mean radius?)`},
		{"unknown in preset", map[string]string{"x.toml": head + "include = [\"train/a.toml\"]\n", "train/a.toml": "\n[train]\nbatchsize = 3\n"},
			`train/a.toml:3: unknown key "batchsize" in [train] (did you mean batch_size?)`},
		{"zero size", map[string]string{"x.toml": head + "[models.m]\narch = \"mamba\"\nd_state = 0\n"},
			`x.toml:5: models.m.d_state = 0 is not a size; leave the key out to get the architecture's default`},
		{"zero float size", map[string]string{"x.toml": head + "models.m = { arch = \"gpt_neox\", rotary_pct = 0.0 }\n"},
			`x.toml:3: models.m.rotary_pct = 0 is not a size; leave the key out to get the architecture's default`},
		{"zero size in profile", map[string]string{"x.toml": head + "[models.m]\narch = \"mamba\"\n[profile.quick.models.m]\nlayers = 0\n"},
			`x.toml:6: profile.quick.models.m.layers = 0 is not a size; leave the key out to get the architecture's default`},
		{"unknown in profile", map[string]string{"x.toml": head + "[profile.quick.train]\nstpes = 3\n"},
			`x.toml:4: unknown key "stpes" in [profile.quick.train] (did you mean steps?)`},
		{"wrong type", map[string]string{"x.toml": head + "[train]\nsteps = \"ten\"\n"},
			`x.toml:4: train.steps: wrong type: must be an integer, not a string ("...")`},
		{"wrong type array", map[string]string{"x.toml": head + "[eval]\nshots = \"0,1\"\n"},
			`x.toml:4: eval.shots: wrong type: must be an array ([...]), not a string ("...")`},
		{"wrong type scalar", map[string]string{"x.toml": head + "seed = [1]\n"},
			`x.toml:3: seed: wrong type: must be an integer, not an array ([...])`},
		{"bad precision", map[string]string{"x.toml": head + "precision = \"bf17\"\n"},
			`x.toml:3: precision: unknown precision "bf17"`},
		{"bad device", map[string]string{"x.toml": head + "device = \"gpu\"\n"},
			`x.toml:3: device "gpu": want cpu or cuda`},
		{"syntax", map[string]string{"x.toml": head + "seed = = 1\n"}, `x.toml:3: `},
		{"unknown kind", map[string]string{"x.toml": "name = \"x\"\nkind = \"fkae\"\n"},
			`x.toml:2: unknown kind "fkae" (registered: [fake other]) (did you mean fake?)`},
		{"missing include", map[string]string{"x.toml": head + "include = [\"train/b.toml\"]\n", "train/a.toml": ""},
			`x.toml:3: include "train/b.toml": no such file`},
		{"include cycle", map[string]string{"x.toml": head + "include = [\"a.toml\"]\n", "a.toml": "include = [\"b.toml\"]\n", "b.toml": "include = [\"a.toml\"]\n"},
			`b.toml:1: include cycle: `},
		{"undefined model", map[string]string{"x.toml": head + "[sweep]\nmodel = [\"mamba-x\"]\n"},
			`x.toml:4: model "mamba-x" is not defined`},
		{"bad sweep path", map[string]string{"x.toml": head + "[sweep]\ntrain.lerning_rate = [1.0]\n"},
			`x.toml:4: sweep axis train.lerning_rate: no such key (did you mean learning_rate?)`},
		{"bad sweep type", map[string]string{"x.toml": head + "[sweep]\nseed = [1, \"two\"]\n"},
			`x.toml:4: seed: wrong type`},
		{"sweep not array", map[string]string{"x.toml": head + "[sweep]\nseed = 1\n"},
			`x.toml:4: sweep axis seed must be a non-empty array`},
		{"bad arch", map[string]string{"x.toml": head + "[models.m]\narch = \"mambo\"\nd_model = 8\n"},
			`x.toml:4: [models.m]: unknown arch "mambo"`},
		{"bad schedule", map[string]string{"x.toml": head + "\n\n[pretrain]\nschedule = \"cosin\"\n"},
			`x.toml:6: unknown schedule "cosin"`},
		{"unknown profile", map[string]string{"x.toml": head + "[profile.quik]\nseed = 1\n"},
			`x.toml:3: unknown profile "quik"`},
		{"bad name", map[string]string{"x.toml": "name = \"My Exp\"\nkind = \"fake\"\n"},
			`x.toml:1: name "My Exp"`},
		{"nan learning rate", map[string]string{"x.toml": head + "[train]\nlearning_rate = nan\n"},
			`x.toml:4: learning_rate = NaN: must be a finite number`},
		{"inf learning rate", map[string]string{"x.toml": head + "[pretrain]\nlearning_rate = inf\n"},
			`x.toml:4: learning_rate = +Inf: must be a finite number`},
		{"inf grad clip", map[string]string{"x.toml": head + "[train]\ngrad_clip = -inf\n"},
			`x.toml:4: grad_clip = -Inf: must be a finite number`},
		{"bad beta", map[string]string{"x.toml": head + "[train]\nbeta2 = 1.0\n"},
			`beta1 and beta2 must be in [0, 1)`},
		{"negative eps", map[string]string{"x.toml": head + "[train]\neps = -1e-8\n"},
			`eps must be >= 0`},
		{"nan alpha", map[string]string{"x.toml": head + "[methods.l]\ntargets = { mamba = [\"x_proj\"] }\nrank = 2\nalpha = nan\n"},
			`[methods.l]: LoRA needs a positive rank and a positive, finite alpha`},
		{"unknown task", map[string]string{"x.toml": head + "[data.b]\npath = \"lm\"\ntasks = [\"mmlu\", \"hellaswg\"]\n"},
			`x.toml:5: [data.b]: tasks: unknown task "hellaswg" (did you mean hellaswag?)`},
		{"loglikelihood task", map[string]string{"x.toml": head + "[data.b]\npath = \"lm\"\ntasks = [\"lambada_openai\"]\n"},
			`x.toml:5: [data.b]: tasks: lambada_openai has no choices to compare`},
		{"inf radius", map[string]string{"x.toml": head + "[models.r]\narch = \"rnn\"\nd_model = 4\nradius = inf\n"},
			`radius must be a positive, finite number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "configs")
			for name, body := range tc.files {
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(filepath.Join(dir, "x.toml"), testOpts)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if !strings.Contains(got, tc.want) || strings.Contains(got, "\n") {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// Without the kinds (Options.Params nil) [params] is not judged, nested
// tables included: it loads instead of panicking.
func TestLoadNestedParamsWithoutKinds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.toml")
	src := "name = \"x\"\nkind = \"fake\"\n[params]\nby = { a = 1 }\n[profile.quick]\nparams.by = { a = 2 }\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, Options{Profile: "quick"}); err != nil {
		t.Fatal(err)
	}
}

// A cuda trial's key names the device (a CPU trial's does not, so CPU keys
// and hashes stay as they were), unless device is itself a sweep axis.
func TestDeviceInKey(t *testing.T) {
	load := func(t *testing.T, body string) *Experiment {
		t.Helper()
		p := filepath.Join(t.TempDir(), "x.toml")
		if err := os.WriteFile(p, []byte("name = \"x\"\nkind = \"fake\"\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
		e, err := Load(p, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	cpu := load(t, "[sweep]\nseed = [0, 1]\n")
	gpu := load(t, "device = \"cuda\"\n[sweep]\nseed = [0, 1]\n")
	if cpu.Trials[0].Key != "seed=0" || cpu.Trials[0].Device != "" {
		t.Errorf("cpu trial: key %q device %q", cpu.Trials[0].Key, cpu.Trials[0].Device)
	}
	if gpu.Trials[1].Key != "seed=1_device=cuda" || gpu.Trials[1].Device != "cuda" {
		t.Errorf("cuda trial: key %q device %q", gpu.Trials[1].Key, gpu.Trials[1].Device)
	}
	if k := load(t, "device = \"cuda\"\n").Trials[0].Key; k != "device=cuda" {
		t.Errorf("cuda trial without a sweep: key %q", k)
	}
	swept := load(t, "[sweep]\ndevice = [\"cpu\", \"cuda\"]\n")
	if a, b := swept.Trials[0], swept.Trials[1]; a.Key != "device=cpu" || a.Device != "" || b.Key != "device=cuda" || b.Device != "cuda" {
		t.Errorf("device axis: %q %q / %q %q", a.Key, a.Device, b.Key, b.Device)
	}
}

// An opt-in profile (gpu) applies to the files that define it in their own
// [profile.gpu]; other files (and files whose presets alone define it) are
// marked ProfileMissing.
func TestOptInProfile(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"with.toml":    "name = \"w\"\nkind = \"fake\"\n[profile.gpu]\ndevice = \"cuda\"\n",
		"without.toml": "name = \"o\"\nkind = \"fake\"\ninclude = [\"p/pre.toml\"]\n",
		"p/pre.toml":   "[profile.gpu]\nseed = 3\n",
	}
	for n, body := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := testOpts
	opts.Profile = "gpu"
	w, err := Load(filepath.Join(dir, "with.toml"), opts)
	if err != nil || w.ProfileMissing || w.Trials[0].Device != "cuda" {
		t.Fatalf("with: %v %+v", err, w)
	}
	o, err := Load(filepath.Join(dir, "without.toml"), opts)
	if err != nil || !o.ProfileMissing {
		t.Fatalf("without: %v, ProfileMissing %v", err, o != nil && o.ProfileMissing)
	}
	if d, err := Load(filepath.Join(dir, "without.toml"), testOpts); err != nil || d.ProfileMissing {
		t.Fatalf("default profile: %v %v", err, d.ProfileMissing)
	}
}
