package lora_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	_ "github.com/ssmlab/ssmlab/models/mamba" // registers model_type "mamba"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// loadLoRA loads seed's base Mamba with the adapter in folder sub.
func loadLoRA(t *testing.T, seed, sub string) (lm.Model, *lora.Adapters) {
	t.Helper()
	m, err := hf.Load(filepath.Join(seed, "mamba"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := lora.Load(m, filepath.Join(seed, sub))
	if err != nil {
		t.Fatal(err)
	}
	return m, a
}

// lora_mamba: logits, loss and every adapter gradient equal PEFT's.
// lora_mamba_dtproj: HF skips the dt_proj adapter; ssmlab applies it, so its
// logits equal PEFT's merged model, in both the unmerged and merged forms.
func TestFixtureLoRAParity(t *testing.T) {
	for _, seed := range testfix.SeedDirs(t) {
		t.Run(filepath.Base(seed), func(t *testing.T) {
			for _, sub := range []string{"lora_mamba", "lora_mamba_dtproj"} {
				m, a := loadLoRA(t, seed, sub)
				ref := testfix.Read(t, filepath.Join(seed, sub, "reference.safetensors"))
				ids, B, T := testfix.IDsOf(t, ref, "input_ids")
				tg := nn.ShiftLabels(ids, B, T)
				nn.ZeroGrads(a.Params())
				loss := lm.Loss(m, precision.FP32Policy, ids, tg, B, T, true, 1)
				logits := append([]float32(nil), m.Forward(precision.FP32Policy, ids, B, T)...)
				want := "logits"
				if sub == "lora_mamba_dtproj" {
					want = "logits_merged"
				}
				wantLogits := testfix.Float32(t, ref, want)
				check := func(name string, got, ref []float32, tol float64) {
					t.Helper()
					e := testfix.RelMaxErr(got, ref)
					t.Logf("%s %-70s max rel error %.2e", sub, name, e)
					if e > tol {
						t.Errorf("%s %s: max error %.3g of the largest value exceeds %.3g", sub, name, e, tol)
					}
				}
				check(want, logits, wantLogits, 2e-5)
				refLoss, _ := nn.CrossEntropy(nil, wantLogits, tg, B*T, m.VocabSize(), 1)
				check("loss", []float32{float32(loss)}, []float32{float32(refLoss)}, 2e-5)
				if sub == "lora_mamba" {
					check("loss (reference tensor)", []float32{float32(loss)}, testfix.Float32(t, ref, "loss"), 2e-5)
					for _, p := range a.Params() { // PEFT's named_parameters carry the adapter name
						name := "grad." + strings.Replace(strings.Replace(p.Name, ".lora_A.", ".lora_A.default.", 1), ".lora_B.", ".lora_B.default.", 1)
						check(name, p.Grad.Data, testfix.Float32(t, ref, name), 2e-3)
					}
				}
				a.Merge()
				check(want+" (merged)", m.Forward(precision.FP32Policy, ids, B, T), testfix.Float32(t, ref, "logits_merged"), 2e-5)
				for _, p := range m.Params() {
					if p.Grad != nil {
						t.Fatalf("base parameter %s is not frozen", p.Name)
					}
				}
			}
		})
	}
}

// Save then Load gives the same adapters bit for bit, and the saved
// adapter_config.json keeps PEFT's field names.
func TestAdapterSaveLoad(t *testing.T) {
	seed := testfix.SeedDirs(t)[0]
	_, a := loadLoRA(t, seed, "lora_mamba_dtproj")
	dir := t.TempDir()
	if err := a.Save(dir); err != nil {
		t.Fatal(err)
	}
	m2, err := hf.Load(filepath.Join(seed, "mamba"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := lora.Load(m2, dir)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := a.Params(), b.Params()
	if len(pa) != len(pb) || len(pa) != 12 {
		t.Fatalf("%d vs %d adapter tensors", len(pa), len(pb))
	}
	for i := range pa {
		if pa[i].Name != pb[i].Name || testfix.RelMaxErr(pa[i].Value.Data, pb[i].Value.Data) != 0 {
			t.Fatalf("%s differs after the round trip", pa[i].Name)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "adapter_config.json"))
	for _, k := range []string{`"peft_type": "LORA"`, `"r": 4`, `"lora_alpha": 8`, `"target_modules": [`, `"bias": "none"`, `"modules_to_save": null`, `"fan_in_fan_out": false`} {
		if !strings.Contains(string(raw), k) {
			t.Fatalf("adapter_config.json lacks %s:\n%s", k, raw)
		}
	}
}
