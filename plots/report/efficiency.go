package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/plots"
)

// Fig. 2 of the paper: training throughput (tokens/s) and peak memory per
// token of fp32 full fine-tuning against fp16/bf16 LoRA (MPFT+PEFT), by
// model size. Kind "efficiency" writes one summary.Efficiency per (model,
// method, precision[, seed]).

const (
	paperSpeedup = 2.15 // x tokens/s, MPFT+PEFT vs fp32 full fine-tuning of Mamba (v1 abstract)
	paperMemory  = 65.5 // % less peak memory per token
	// effTolerance: an "up to" number reproduces when ours reaches this
	// share of it (or more).
	effTolerance = 0.75
)

func init() {
	Register(Experiment{Name: "efficiency", Order: 40, Build: buildEfficiency, Placeholder: effClaims()})
}

func effClaims() []Claim {
	return []Claim{
		{ID: "fig2-speedup", Title: "Fig. 2: MPFT+PEFT trains Mamba up to 2.15x faster (tokens/s) than fp32 full fine-tuning",
			Paper:   "fp16/bf16 LoRA fine-tuning of Mamba reaches up to 2.15× the training tokens/s of fp32 full fine-tuning",
			Figures: []string{"fig2_efficiency"}, Tables: []string{"fig2_efficiency"}},
		{ID: "fig2-memory", Title: "Fig. 2: MPFT+PEFT needs up to 65.5% less memory per token than fp32 full fine-tuning",
			Paper:   "fp16/bf16 LoRA fine-tuning of Mamba uses up to 65.5% less peak memory per token than fp32 full fine-tuning",
			Figures: []string{"fig2_efficiency"}, Tables: []string{"fig2_efficiency"}},
	}
}

// effRow is one (model, method, precision, device) over its seeds, with
// its ratios to fp32 full fine-tuning of the same model on the same device.
type effRow struct {
	name, family, arch string
	setting
	device             string // "cpu", or the GPU's full description ("cuda: NVIDIA H100 ...")
	params, trainable  float64
	tps, bpt, infer    spread
	speedup, memReduce float64 // x, %; NaN without an fp32 full reference
	backends           []string
	native             bool
	median             bool   // timed by the median step (summary version 2)
	resident           bool   // memory as resident bytes (summary version 3)
	inferSkipped       string // why a GPU row has no inference rate
	steps              int    // timed training steps (the most over seeds)
}

// gpu reports whether the row was measured on a GPU.
func (r *effRow) gpu() bool { return r.device != "cpu" }

// deviceLabel is the row's device in a table cell: cpu, or the GPU's name.
func (r *effRow) deviceLabel() string { return deviceName(r.device) }

// deviceName shortens a summary's device ("cuda: NVIDIA H100 80GB HBM3
// (sm_90, ...), driver ...") to the GPU's name; the CPU is "cpu".
func deviceName(d string) string {
	if d == "cpu" || d == "" {
		return "cpu"
	}
	d = strings.TrimPrefix(d, "cuda: ")
	if i := strings.Index(d, " ("); i > 0 {
		d = d[:i]
	}
	return d
}

// anyGPU reports whether some row was measured on a GPU.
func anyGPU(rows []*effRow) bool {
	for _, r := range rows {
		if r.gpu() {
			return true
		}
	}
	return false
}

// mpftPEFT reports whether a setting is mixed precision + PEFT: LoRA in a
// 16-bit precision.
func (s setting) mpftPEFT() bool { return s.method != "full" && s.precision != "fp32" }

func collectEfficiency(sums []summary.Efficiency) []*effRow {
	type key struct {
		name, device string
		setting
	}
	rows := map[key]*effRow{}
	var order []key
	tps, bpt, infer := map[key][]float64{}, map[key][]float64{}, map[key][]float64{}
	for _, s := range sums {
		dev := s.Device
		if dev == "" {
			dev = "cpu"
		}
		k := key{s.Model.Name, dev, setting{s.Method, s.Precision}}
		r, ok := rows[k]
		if !ok {
			r = &effRow{name: s.Model.Name, family: familyOf(s.Model), arch: s.Model.Arch, setting: k.setting, device: dev,
				params: float64(s.Model.Params), trainable: float64(s.Trainable)}
			rows[k] = r
			order = append(order, k)
		}
		if s.InferSkipped != "" {
			r.inferSkipped = s.InferSkipped
		}
		r.steps = max(r.steps, s.Steps)
		trainPS, inferPS, mem := s.TrainTokensPS, s.InferTokensPS, s.BytesPerToken
		if s.TrainTokensPSMedian > 0 { // version 2: the median step, robust to other work on the machine
			trainPS, inferPS = s.TrainTokensPSMedian, s.InferTokensPSMedian
			r.median = true
		}
		if s.ResidentBytesPerToken > 0 { // version 3: resident bytes, independent of the collector's timing
			mem = s.ResidentBytesPerToken
			r.resident = true
		}
		tps[k], bpt[k], infer[k] = append(tps[k], trainPS), append(bpt[k], mem), append(infer[k], inferPS)
		r.backends = uniqStrings(append(r.backends, s.Backend))
		r.native = r.native || s.HalfNative
	}
	var out []*effRow
	for _, k := range order {
		r := rows[k]
		r.tps, r.bpt, r.infer = spreadOf(tps[k]), spreadOf(bpt[k]), spreadOf(infer[k])
		out = append(out, r)
	}
	for _, r := range out {
		r.speedup, r.memReduce = math.NaN(), math.NaN()
		if ref, ok := rows[key{r.name, r.device, setting{"full", "fp32"}}]; ok && ref.tps.mean() > 0 && ref.bpt.mean() > 0 {
			r.speedup = r.tps.mean() / ref.tps.mean()
			r.memReduce = 100 * (1 - r.bpt.mean()/ref.bpt.mean())
		}
	}
	methods, precs := []string{}, []string{}
	for _, r := range out {
		methods, precs = append(methods, r.method), append(precs, r.precision)
	}
	methods, precs = uniqStrings(methods), uniqStrings(precs)
	sortMethods(methods)
	sortPrecisions(precs)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if c := compareFamilies(a.family, b.family); c != 0 {
			return c < 0
		}
		if a.params != b.params {
			return a.params < b.params
		}
		if a.name != b.name {
			return a.name < b.name
		}
		if a.device != b.device { // the CPU first, then each GPU
			return a.gpu() != b.gpu() && !a.gpu() || a.gpu() == b.gpu() && a.device < b.device
		}
		// fp32 full first: the reference of the rows after it
		ra, rb := effSettingRank(a.setting, methods, precs), effSettingRank(b.setting, methods, precs)
		return ra < rb
	})
	return out
}

// effSettingRank orders settings fp32 full first, then by method, then by
// precision (fp32, fp16, bf16).
func effSettingRank(s setting, methods, precs []string) int {
	p := indexOf(precs, s.precision)
	if s.precision == "fp32" {
		p = -1
	}
	return indexOf(methods, s.method)*100 + p + 1
}

// settingStyle gives a setting's line: colour by method (full black,
// LoRA-all orange, LoRA-subset sky blue), dashes and marker by precision
// (fp32 solid circles, fp16 dashed triangles, bf16 dashed squares).
func settingStyle(s setting) (color int, dashed bool, marker string) {
	color = map[string]int{"full": 6, "lora_all": 4, "lora_xproj": 5}[s.method]
	if _, ok := map[string]bool{"full": true, "lora_all": true, "lora_xproj": true}[s.method]; !ok {
		color = 3
	}
	switch s.precision {
	case "fp32":
		return color, false, "circle"
	case "fp16":
		return color, true, "triangle"
	case "bf16":
		return color, true, "square"
	}
	return color, true, "cross"
}

func effFigure(rows []*effRow) plots.Figure {
	fig := plots.Figure{Name: "fig2_efficiency", Cols: 2,
		Caption: "Training throughput and peak memory per token of each fine-tuning setting by model size, one row per family"}
	var families, devices []string
	for _, r := range rows {
		families, devices = append(families, r.family), append(devices, r.device)
	}
	families, devices = uniqStrings(families), uniqStrings(devices)
	sortFamilies(families)
	sort.SliceStable(devices, func(i, j int) bool { return devices[i] == "cpu" && devices[j] != "cpu" })
	panels := 0
	for _, f := range families {
		for _, dev := range devices {
			var sts []setting
			var on []*effRow
			for _, r := range rows {
				if r.family == f && r.device == dev {
					sts, on = append(sts, r.setting), append(on, r)
				}
			}
			if len(on) == 0 {
				continue
			}
			title := f
			if len(devices) > 1 || dev != "cpu" { // say which device measured what
				title += " on " + deviceName(dev)
			}
			unit := "heap bytes / token"
			if dev != "cpu" {
				unit = "device bytes / token"
			}
			tps := plots.Panel{Title: title + ": training throughput", XLabel: "parameters (log)", YLabel: "tokens / s", LogX: true}
			mem := plots.Panel{Title: title + ": " + memWord(on) + " memory per token", XLabel: "parameters (log)", YLabel: memWord(on) + " " + unit, LogX: true}
			for _, st := range uniqSettings(sts) {
				c, dashed, marker := settingStyle(st)
				a := plots.Series{Label: st.String(), Color: c, Dashed: dashed, Marker: marker, Points: true}
				b := a
				for _, r := range on {
					if r.setting == st {
						a.X, a.Y = append(a.X, r.params), append(a.Y, r.tps.Mean)
						b.X, b.Y = append(b.X, r.params), append(b.Y, r.bpt.Mean)
					}
				}
				tps.Series, mem.Series = append(tps.Series, a), append(mem.Series, b)
			}
			fig.Panels = append(fig.Panels, tps, mem)
			panels++
		}
	}
	fig.Height = 3.6 * float64(max(1, panels))
	return fig
}

func uniqSettings(sts []setting) []setting {
	seen := map[setting]bool{}
	var out []setting
	for _, s := range sts {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func effTable(rows []*effRow) plots.Table {
	gpu := anyGPU(rows)
	t := plots.Table{Name: "fig2_efficiency",
		Caption: "Fig. 2 (reproduction): training throughput and " + memWord(rows) + " memory per token of each fine-tuning setting, and their ratios to fp32 full fine-tuning of the same model",
		Header: []string{"model", "family", "params", "method", "precision", "trainable", "train tokens/s", "speed-up vs fp32 full",
			memWord(rows) + " bytes/token", "memory reduction vs fp32 full (%)", "inference tokens/s", "GEMM backend"}}
	if gpu {
		t.Caption += " on the same device"
		t.Header = append(t.Header[:1], append([]string{"device"}, t.Header[1:]...)...)
	}
	for _, r := range rows {
		speed, mem := fmtFixed(r.speedup, 2)+"×", fmtPP(r.memReduce)
		if math.IsNaN(r.speedup) {
			speed = "—"
		}
		if r.setting == (setting{"full", "fp32"}) {
			speed, mem = "1 (reference)", "0 (reference)"
		}
		backend := strings.Join(r.backends, ", ")
		if r.native {
			backend += " (native 16-bit)"
		}
		infer := r.infer.format(func(v float64) string { return fmtFixed(v, 0) })
		if r.inferSkipped != "" {
			infer = "— (not on the GPU yet)"
		}
		row := []string{r.name, r.family, humanCount(r.params), methodLabel(r.method), r.precision, humanCount(r.trainable),
			r.tps.format(func(v float64) string { return fmtFixed(v, 0) }), speed,
			r.bpt.format(func(v float64) string { return humanCount(v) }), mem, infer, backend}
		if gpu {
			row = append(row[:1], append([]string{r.deviceLabel()}, row[1:]...)...)
		}
		t.Rows = append(t.Rows, row)
	}
	ref := "the same model"
	if gpu {
		ref = "the same model on the same device"
	}
	t.Notes = []string{
		"Speed-up = tokens/s ÷ tokens/s of fp32 full fine-tuning of " + ref + "; memory reduction = 1 − (bytes/token ÷ bytes/token of fp32 full fine-tuning). — means no fp32 full fine-tuning result for that model.",
		memDefinition(rows),
	}
	if gpu {
		t.Notes = append(t.Notes, devicesNote(rows))
		for _, r := range rows {
			if r.inferSkipped != "" {
				t.Notes = append(t.Notes, "Inference marked “not on the GPU yet”: "+r.inferSkipped+".")
				break
			}
		}
	}
	return t
}

// devicesNote names every device that measured rows, in full, and what
// ran where.
func devicesNote(rows []*effRow) string { return gpuNote(rows) + cpuNote(rows) }

// cpuNote says, beside GPU rows, what the CPU rows are ("" without any).
func cpuNote(rows []*effRow) string {
	for _, r := range rows {
		if !r.gpu() {
			return " Rows on “cpu” ran on this machine's CPU, 16-bit emulated by rounding."
		}
	}
	return ""
}

// gpuNote names the GPUs that measured rows and how 16-bit ran there.
func gpuNote(rows []*effRow) string {
	var ds []string
	for _, r := range rows {
		if r.gpu() {
			ds = append(ds, strings.TrimPrefix(r.device, "cuda: "))
		}
	}
	ds = uniqStrings(ds)
	return "Measured on the GPU (device = \"cuda\"): " + strings.Join(ds, "; ") + "; fp16/bf16 ran cuBLAS tensor-core GEMMs with fp32 accumulation, 16-bit activations and fp32 master weights and AdamW state."
}

// effBest is the setting with the largest value of f among rows that keep.
func effBest(rows []*effRow, keep func(*effRow) bool, f func(*effRow) float64) *effRow {
	var best *effRow
	for _, r := range rows {
		if keep(r) && !math.IsNaN(f(r)) && (best == nil || f(r) > f(best)) {
			best = r
		}
	}
	return best
}

// upToVerdict judges an "up to X" claim by our best value: an effect counts
// only beyond the noise margin over "none" (1x, 0%); it reproduces at
// effTolerance·X or more, partly when smaller, and does not when there is
// no effect beyond the margin.
func upToVerdict(ours, paper, none, margin float64) string {
	switch {
	case math.IsNaN(ours):
		return NotRun
	case ours <= none+margin:
		return DoesNot
	case ours >= effTolerance*paper:
		return Reproduces
	}
	return Partly
}

// effNoise estimates the measurement noise from settings that cannot gain:
// full fine-tuning in emulated 16-bit does fp32's work plus rounding and
// keeps float32 tensors, so any speed-up (x − 1) or memory saving (points)
// it shows is noise: timing jitter on a shared machine, collector timing.
// The margins are at least 0.1 and 10 points.
func effNoise(rows []*effRow) (speed, mem float64, note string) {
	speed, mem = 0.1, 10
	var seen []string
	for _, r := range rows {
		if r.method != "full" || r.precision == "fp32" || r.native || math.IsNaN(r.speedup) {
			continue
		}
		if r.speedup-1 > speed || r.memReduce > mem {
			seen = append(seen, fmt.Sprintf("%s %s: %s× tokens/s, %s memory", r.name, r.setting, fmtFixed(r.speedup, 2), lessMore(r.memReduce)))
		}
		speed, mem = max(speed, r.speedup-1), max(mem, r.memReduce)
	}
	note = fmt.Sprintf("Noise margin: an effect counts beyond %s× tokens/s and %s%% less memory.", fmtFixed(1+speed, 2), fmtFixed(mem, 1))
	if len(seen) > 0 {
		note += " The margins are raised to what full fine-tuning in emulated 16-bit showed, which does fp32's work plus rounding and cannot truly gain (" + strings.Join(seen, "; ") + "): timing and collector noise of single short runs on a shared machine."
	}
	return speed, mem, note
}

// gpuPythiaClaims are the Transformer baseline of Fig. 2, judged only
// when GPU results exist: the same rule on Pythia (GPT-NeoX), fine-tuned
// the same way on the same GPU, says whether the gain is Mamba's own.
func gpuPythiaClaims() []Claim {
	return []Claim{
		{ID: "fig2-speedup-pythia", Title: "Fig. 2 on the GPU, Transformer baseline: MPFT+PEFT trains Pythia up to 2.15x faster than fp32 full fine-tuning?",
			Paper:   "the paper's up-to-2.15× tokens/s is Mamba's; the same rule applied to Pythia fine-tuned the same way on the same GPU (not a paper claim about Pythia)",
			Figures: []string{"fig2_efficiency"}, Tables: []string{"fig2_efficiency"}},
		{ID: "fig2-memory-pythia", Title: "Fig. 2 on the GPU, Transformer baseline: MPFT+PEFT needs up to 65.5% less memory per token for Pythia?",
			Paper:   "the paper's up-to-65.5% less memory per token is Mamba's; the same rule applied to Pythia fine-tuned the same way on the same GPU (not a paper claim about Pythia)",
			Figures: []string{"fig2_efficiency"}, Tables: []string{"fig2_efficiency"}},
	}
}

// judgeUpTo fills a speed-up claim and a memory claim from the best of the
// rows keep selects, with noise margins dSpeed (x) and dMem (points).
func judgeUpTo(cs []Claim, rows []*effRow, keep func(*effRow) bool, dSpeed, dMem float64, none string) {
	speed := func(r *effRow) float64 { return r.speedup }
	mem := func(r *effRow) float64 { return r.memReduce }
	sp, mr := effBest(rows, keep, speed), effBest(rows, keep, mem)
	cs[0].Verdict, cs[1].Verdict = NotRun, NotRun
	cs[0].Ours, cs[1].Ours = none, none
	if sp != nil {
		cs[0].Ours = fmt.Sprintf("at best %s× the tokens/s (%s)", fmtFixed(sp.speedup, 2), effAt(sp))
		cs[0].Verdict = upToVerdict(sp.speedup, paperSpeedup, 1, dSpeed)
	}
	if mr != nil {
		cs[1].Ours = fmt.Sprintf("at best %s memory per token (%s)", lessMore(mr.memReduce), effAt(mr))
		cs[1].Verdict = upToVerdict(mr.memReduce, paperMemory, 0, dMem)
	}
}

func effClaimsFrom(rows []*effRow, steps int) []Claim {
	cs := effClaims()
	native, gpu := false, false
	for _, r := range rows {
		native = native || (r.arch == "mamba" && r.mpftPEFT() && r.native)
		gpu = gpu || (r.arch == "mamba" && r.mpftPEFT() && r.gpu())
	}
	// With GPU results only they are judged (each against the fp32 full
	// fine-tuning of the same device); else with native 16-bit results
	// only they; without either, the mechanism the claim rests on is absent.
	judged := rows
	if gpu {
		judged = nil
		for _, r := range rows {
			if r.gpu() {
				judged = append(judged, r)
			}
		}
	}
	peft := func(r *effRow) bool { return r.arch == "mamba" && r.mpftPEFT() && (r.native || !native) }
	dSpeed, dMem, noise := effNoise(judged)
	judgeUpTo(cs, judged, peft, dSpeed, dMem, "no fp16/bf16 LoRA result for Mamba with an fp32 full fine-tuning reference")
	var py []Claim
	if anyGPU(rows) {
		py = gpuPythiaClaims()
		var gpuRows []*effRow
		for _, r := range rows {
			if r.gpu() {
				gpuRows = append(gpuRows, r)
			}
		}
		ds, dm, _ := effNoise(gpuRows)
		judgeUpTo(py, gpuRows, func(r *effRow) bool { return isTransformer(r.arch) && r.mpftPEFT() }, ds, dm,
			"no fp16/bf16 LoRA result for a Transformer with an fp32 full fine-tuning reference on the GPU")
		for i := range py {
			py[i].Setting = effSetting(gpuRows, steps)
			py[i].Notes = append(py[i].Notes, "Rule: as for Mamba's rows above, over the Transformers' fp16/bf16 LoRA settings and sizes on the GPU.", devicesNote(gpuRows))
		}
	}
	if !native {
		for i := range cs {
			if cs[i].Verdict != NotRun {
				cs[i].Verdict = NoHardware
			}
		}
	}
	rule := fmt.Sprintf("Rule: not testable on this hardware when no Mamba fp16/bf16 setting ran native 16-bit arithmetic (half_native; the paper's gain comes from 16-bit tensor-core matmuls and 16-bit storage, which rounding emulation on a CPU does not have), the number beside it then measuring LoRA's share alone; with native results, only they are judged, and with GPU results (device = \"cuda\") only the GPU's, each against fp32 full fine-tuning on the same device. Ours is the best ratio over Mamba's fp16/bf16 LoRA settings and sizes; an effect counts only beyond the noise margin; it reproduces an \"up to\" number when it reaches %.0f%% of it or more, partly reproduces when it is smaller, and does not when there is no effect beyond the margin.", 100*effTolerance)
	setting, hw, parts := effSetting(judged, steps), effHardware(rows), effIngredients(judged)
	for i := range cs {
		cs[i].Setting = setting
		cs[i].Notes = append(cs[i].Notes, rule, noise)
		if parts != "" {
			cs[i].Notes = append(cs[i].Notes, parts)
		}
		cs[i].Notes = append(cs[i].Notes, hw)
	}
	if gpu {
		cs[1].Notes = append(cs[1].Notes, memDefinition(judged)+" On the GPU fp16/bf16 keep activations in 16 bits (and a 16-bit copy of the frozen weights under LoRA) beside fp32 master weights, and LoRA drops the frozen weights' gradients and AdamW moments.")
	} else {
		cs[1].Notes = append(cs[1].Notes, memDefinition(rows)+" fp16/bf16 tensors are stored in float32 here (rounding emulation), so mixed precision saves no activation or weight memory as CUDA autocast does; LoRA saves the frozen weights' gradients and AdamW moments, which at this model size are small next to the activations, while its adapters add activations of their own.")
	}
	cs[0].Notes = append(cs[0].Notes, "Figure `fig2_efficiency`: left, training tokens/s against parameter count; right, "+memWord(rows)+" bytes per token; colour = method (black full fine-tuning, orange LoRA-all, sky blue LoRA-x_proj/qkv), solid circles fp32, dashed triangles fp16, dashed squares bf16.")
	return append(cs, py...)
}

func effAt(r *effRow) string {
	at := fmt.Sprintf("%s, %s, %s params", r.setting, r.name, humanCount(r.params))
	if r.gpu() {
		at += ", on " + r.deviceLabel()
	}
	return at
}

// effIngredients says what LoRA and 16-bit do alone for Mamba, and what
// MPFT+PEFT does for the Transformers.
func effIngredients(rows []*effRow) string {
	speed := func(r *effRow) float64 { return r.speedup }
	mem := func(r *effRow) float64 { return r.memReduce }
	lora := effBest(rows, func(r *effRow) bool { return r.arch == "mamba" && r.method != "full" && r.precision == "fp32" }, speed)
	half := effBest(rows, func(r *effRow) bool { return r.arch == "mamba" && r.method == "full" && r.precision != "fp32" }, speed)
	var parts []string
	if lora != nil {
		parts = append(parts, fmt.Sprintf("LoRA alone (fp32): %s× tokens/s, %s memory (%s)", fmtFixed(lora.speedup, 2), lessMore(lora.memReduce), effAt(lora)))
	}
	if half != nil {
		parts = append(parts, fmt.Sprintf("16-bit alone (full fine-tuning): %s× tokens/s, %s memory (%s)", fmtFixed(half.speedup, 2), lessMore(half.memReduce), effAt(half)))
	}
	tr := func(r *effRow) bool { return isTransformer(r.arch) && r.mpftPEFT() }
	if t1, t2 := effBest(rows, tr, speed), effBest(rows, tr, mem); t1 != nil && t2 != nil {
		parts = append(parts, fmt.Sprintf("Transformers with MPFT+PEFT: at best %s× tokens/s (%s) and %s memory (%s)", fmtFixed(t1.speedup, 2), effAt(t1), lessMore(t2.memReduce), effAt(t2)))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + "."
}

// lessMore words a memory reduction (%): "65.5% less" or "28.6% more".
func lessMore(reduction float64) string {
	if reduction < 0 {
		return fmtFixed(-reduction, 1) + "% more"
	}
	return fmtFixed(reduction, 1) + "% less"
}

// effHardware says whether any 16-bit arithmetic ran natively, and on
// which devices.
func effHardware(rows []*effRow) string {
	if anyGPU(rows) {
		return gpuNote(rows) + " There an MPFT+PEFT gain has both of the paper's ingredients: 16-bit arithmetic and storage, and LoRA's missing gradients and optimizer state for the frozen weights." + cpuNote(rows)
	}
	var backends []string
	native := false
	for _, r := range rows {
		backends = append(backends, r.backends...)
		native = native || (r.native && r.precision != "fp32")
	}
	b := strings.Join(uniqStrings(backends), ", ")
	if native {
		return fmt.Sprintf("GEMM backend %s; some 16-bit settings ran native 16-bit GEMMs (half_native), so part of the 16-bit speed-up is real arithmetic.", b)
	}
	return fmt.Sprintf("GEMM backend %s with no native 16-bit arithmetic (half_native false in every trial): fp16/bf16 are emulated by rounding float32 values, which adds work, so on this CPU 16-bit precision cannot speed training up (the paper's GPUs run 16-bit matmuls on tensor cores at several times the fp32 rate). Here any MPFT+PEFT gain comes from LoRA alone: no gradients or optimizer state for the frozen weights.", b)
}

func effSetting(rows []*effRow, steps int) string {
	if n := 0; len(rows) > 0 { // the rows' own step counts where the summaries have them
		for _, r := range rows {
			n = max(n, r.steps)
		}
		if n > 0 {
			steps = n
		}
	}
	var models, sts []string
	median := len(rows) > 0
	for _, r := range rows {
		models = append(models, fmt.Sprintf("%s (%s)", r.name, humanCount(r.params)))
		sts = append(sts, r.setting.String())
		median = median && r.median
	}
	timing := "tokens/s of the mean step (single runs: a few-step timing is noisy)"
	if median {
		timing = "tokens/s of the median step, so a few steps slowed by other work on the machine do not move it (sustained load still does: run it on an otherwise idle machine)"
	}
	if anyGPU(rows) {
		timing += "; GPU steps are timed with the device synchronised after each"
	}
	return fmt.Sprintf("models %s (freshly initialised: throughput does not depend on the weights), settings %s; %d training steps on the instruction data, the first a warm-up; %s",
		strings.Join(uniqStrings(models), ", "), strings.Join(uniqStrings(sts), ", "), steps, timing)
}

func buildEfficiency(rs []store.Result, out Out) ([]Claim, error) {
	sums, err := decodeSummaries[summary.Efficiency](rs)
	if err != nil {
		return nil, err
	}
	rows := collectEfficiency(sums)
	steps := 0
	for _, s := range sums {
		steps = max(steps, s.Steps)
	}
	if err := effFigure(rows).Write(out.Figures); err != nil {
		return nil, err
	}
	if err := effTable(rows).Write(out.Tables); err != nil {
		return nil, err
	}
	return effClaimsFrom(rows, steps), nil
}

// allResident reports whether every row measured resident memory
// (summary version 3; GPU rows measure the device peak).
func allResident(rows []*effRow) bool {
	for _, r := range rows {
		if !r.resident {
			return false
		}
	}
	return len(rows) > 0
}

// memWord names the memory measure of the rows: resident (CPU, summary
// version 3), peak (older CPU summaries, GPUs), or memory when GPU rows
// (a device peak) sit beside resident CPU rows.
func memWord(rows []*effRow) string {
	resident := false
	for _, r := range rows {
		resident = resident || r.resident
	}
	switch {
	case allResident(rows):
		return "resident"
	case resident && anyGPU(rows):
		return "memory"
	}
	return "peak"
}

// memDefinition says how the rows' memory was measured, for each measure
// present.
func memDefinition(rows []*effRow) string {
	var cpuResident, cpuPeak, gpuPeak bool
	for _, r := range rows {
		switch {
		case r.gpu():
			gpuPeak = true
		case r.resident:
			cpuResident = true
		default:
			cpuPeak = true
		}
	}
	var defs []string
	if cpuResident || len(rows) == 0 {
		d := "Resident bytes/token = the live Go heap after the timed training steps (a collection forced) less what was live before the model was built, ÷ tokens per step (batch × sequence length): weights, gradients, optimizer state and the activation buffers a step keeps for reuse; the CPU analogue of torch.cuda.memory_allocated after a step, and independent of when the collector last ran."
		if cpuPeak || gpuPeak {
			d = "On the CPU (" + "resident rows): " + d
		}
		defs = append(defs, d)
	}
	if cpuPeak {
		defs = append(defs, "Peak bytes/token = Go heap high-water mark of live objects during the timed training steps (sampled after every backward pass, GOGC=20 for the measurement) ÷ tokens per step (batch × sequence length): the CPU analogue of torch.cuda.max_memory_allocated.")
	}
	if gpuPeak {
		defs = append(defs, "On the GPU, peak bytes/token = the device caching allocator's high-water mark during the training steps (weights, gradients, AdamW state, activations; torch.cuda.max_memory_allocated) ÷ tokens per step (batch × sequence length).")
	}
	return strings.Join(defs, " ")
}
