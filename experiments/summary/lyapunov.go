package summary

import (
	"math"
	"sort"

	"github.com/ssmlab/ssmlab/metrics/stats"
)

// Lyapunov is summary.json of a lyapunov trial (configs/lyapunov.toml;
// Theorem 1 of arXiv 2406.00209 and its empirical check). A trial studies
// one model spec, its subject: Draws fresh initialisations of a
// from-scratch spec, or one checkpoint. Its units are what was measured:
//   - a "layer" unit is one SSM layer's state map (conv shift register and
//     SSM state) driven by the layer's own input along the token sequence:
//     exact spectrum, Theorem 1 perturbation of state and input, QR;
//   - a "model" unit is a whole model: the stacked recurrence of an SSM
//     model (when it has more than one layer) or of the RNN control,
//     perturbed in its states and input embedding; a Transformer, which has
//     no fixed-size state, perturbed in its input embedding only.
//
// Exponents and rates are per token (one step per token, natural log).
type Lyapunov struct {
	Model   string `json:"model"`   // the trial's [models.NAME]
	Arch    string `json:"arch"`    // a registered architecture (models.Names(); older results: ssmlab_rnn)
	Label   string `json:"label"`   // legend text, e.g. "Mamba (init)", "RNN ρ=2"
	Trained bool   `json:"trained"` // a checkpoint (path or pretrained base), not fresh draws
	Source  string `json:"source"`  // "init" or the checkpoint directory
	// Radius is the RNN control's spectral radius ρ (0 for other archs).
	Radius float64 `json:"radius,omitempty"`
	// ParamCount is the number of parameters of one draw; LayersPerDraw
	// the SSM layers of one draw (0 for other archs).
	ParamCount    int `json:"param_count"`
	LayersPerDraw int `json:"layers_per_draw"`

	Settings LyapunovSettings `json:"settings"`
	Units    []LyapunovUnit   `json:"units"`
	Curves   []DeviationCurve `json:"curves"`
	Stats    LyapunovStats    `json:"stats"`
}

// Unit kinds.
const (
	UnitLayer = "layer"
	UnitModel = "model"
)

// Deviation quantities: the recurrent state (Theorem 1's max|F^N(x,u) −
// F^N(x+ε,u+ε)|) or the output (a layer's output, a model's logits).
const (
	QuantityState  = "state"
	QuantityOutput = "output"
	// QuantityEveryOutput is the output deviation under noise at every
	// token (Settings.EveryEps).
	QuantityEveryOutput = "every_output"
)

// LyapunovSettings records how the trial measured.
type LyapunovSettings struct {
	SeqLen   int      `json:"seq_len"`   // T tokens of the input sequence
	At       int      `json:"at"`        // t0: the perturbation's position
	Eps      []Float  `json:"eps"`       // perturbation sizes, one per curve set
	EpsNames []string `json:"eps_names"` // e.g. fp16 (2^-11), bf16 (2^-8)
	EveryEps []Float  `json:"every_eps"` // sizes of the every-step perturbation
	Draws    int      `json:"draws"`     // fresh initialisations (1 for a checkpoint)
	Tokens   string   `json:"tokens"`    // how the token sequence was drawn	// Floor is float32 rounding noise relative to the reference run's
	// largest |value|: a deviation at or below Floor·scale ends a fit and
	// the bound check. Ceiling (absolute) ends the RNN's fits: saturation.
	Floor   Float `json:"floor"`
	Ceiling Float `json:"ceiling"`
	// Pattern is how ε is spread over coordinates: ±ε, random signs.
	Pattern string   `json:"pattern"`
	CMax    Float    `json:"c_max"`    // the bound holds when C <= CMax ...
	RateTol Float    `json:"rate_tol"` // ... and the excess rate <= RateTol*|zeta|
	QRUnits int      `json:"qr_units"` // layer units (per draw order) that got QR
	QRK     int      `json:"qr_k"`     // exponents QR computes
	QRSteps []int    `json:"qr_steps"` // sequence lengths of the QR runs
	QRSkip  int      `json:"qr_skip"`  // QR: state transient; Q's transient is qr_skip plus half the rest
	Stride  int      `json:"stride"`   // curves keep every Stride-th N
	Notes   []string `json:"notes,omitempty"`
}

// LyapunovUnit is one measured layer or model.
type LyapunovUnit struct {
	Kind     string `json:"kind"`  // UnitLayer or UnitModel
	Draw     int    `json:"draw"`  // which initialisation (0 for a checkpoint)
	Layer    int    `json:"layer"` // layer index in the draw; -1 for a model unit
	StateDim int    `json:"state_dim"`
	// Zeta is the exact maximal Lyapunov exponent along the input over the
	// perturbed window [At, T): max over (d, n) of A[d,n]·mean Δ (a model
	// unit: max over its layers). Null for archs without a closed form.
	Zeta Float `json:"zeta"`
	// ZetaSeq is Zeta over the whole sequence [0, T).
	ZetaSeq Float `json:"zeta_seq"` // ConvFlush is the first N from which the conv state's deviation is
	// exactly zero: K for a single layer (the input perturbation enters the
	// shift register at N = 1 and leaves K−1 steps later; the register's
	// exponents are −∞); -1 if it never is (a stack), 0 without a conv
	// state.
	ConvFlush int `json:"conv_flush"`
	// StateScale and OutputScale are the largest |x| and |y| of the
	// reference run over the window (the noise floor's scale).
	StateScale  Float     `json:"state_scale"`
	OutputScale Float     `json:"output_scale"`
	QR          []QRRun   `json:"qr,omitempty"`
	Eps         []UnitEps `json:"eps"` // one per Settings.Eps
	// Every is the every-step perturbation, one per Settings.EveryEps.
	Every []UnitEvery `json:"every,omitempty"`
}

// UnitEvery is what rounding-like noise did to a unit: from t0 on, the
// input moved by fresh random ±ε at every token (and the state by ±ε at
// t0), the deviation accumulating over N tokens.
type UnitEvery struct {
	Eps Float `json:"eps"`
	// StateFinal and OutputFinal are max|δ| after the last token;
	// StatePeak and OutputPeak the largest over the window.
	StateFinal  Float `json:"state_final"`
	OutputFinal Float `json:"output_final"`
	StatePeak   Float `json:"state_peak"`
	OutputPeak  Float `json:"output_peak"`
	// C (SSM units) is max_N δ_state[N] / (ε·Σ_{j<=N} e^{jζ}): Theorem 1
	// summed over one perturbation per step bounds the accumulated state
	// deviation by C·ε·Σ e^{jζ} < C·ε/(1 − e^{ζ}); null without ζ.
	C Float `json:"c"`
	// OutputSlope is the slope of log max|δ output| against log N over the
	// later half of the window: about 0 when the deviation has levelled
	// off, 1 when it grows linearly (a random walk gives 1/2).
	OutputSlope Float `json:"output_slope"`
}

// QRRun is one Benettin/QR run on a prefix of the sequence.
type QRRun struct {
	Steps     int     `json:"steps"`     // steps averaged (sequence length minus transients)
	Exponents []Float `json:"exponents"` // the K leading exponents, decreasing
	// Exact holds the K leading exact exponents over the same window (SSM
	// units), MaxErr max_i |Exponents[i] − Exact[i]|; null without.
	Exact  []Float `json:"exact,omitempty"`
	MaxErr Float   `json:"max_err"`
	// DNS is λ_max by direct simulation (a renormalised perturbed
	// trajectory): an independent check of the Jacobians. Null if not run.
	DNS Float `json:"dns"`
}

// UnitEps is what one perturbation size did to a unit.
type UnitEps struct {
	Eps Float `json:"eps"` // Fitted exponential rates (per token) of the state and output
	// deviations: least squares of log max|δ| against N, SSM units over
	// the later half of the points above the noise floor (the asymptotic
	// rate), RNN units from N = 0 to the floor or the ceiling.
	StateRate  Float `json:"state_rate"`
	OutputRate Float `json:"output_rate"`
	// OutputPower is the slope of log max|δ output| against log N
	// (N >= 1): the power law of a deviation that decays without an
	// exponential rate (Transformers).
	OutputPower Float `json:"output_power"` // Theorem 1's bound (SSM units): C = max_N dev/(ε e^{Nζ}) before the
	// noise floor, Excess the fitted rate of that ratio. For a layer, Held
	// = C <= CMax and Excess <= RateTol·|ζ|. For a stack (model unit) only
	// the rate condition: its C includes the gain of the first RMSNorm on
	// the embedding (1/rms, 50 at init), which says nothing about decay.
	C      Float `json:"c"`
	Excess Float `json:"excess"`
	Held   bool  `json:"held"`
	// Final deviations at the last N (state, output), for tables.
	StateFinal  Float `json:"state_final"`
	OutputFinal Float `json:"output_final"`
}

// DeviationCurve is a deviation against N = steps after the perturbation,
// over the trial's units of one kind for one ε: the median and the 10th
// and 90th percentiles across units (percentiles of max|δ|; exact zeros,
// below any log axis, count as zero). N = 0 is the perturbation itself
// for states, the perturbed position's own output for outputs.
type DeviationCurve struct {
	Kind     string  `json:"kind"`     // UnitLayer or UnitModel
	Quantity string  `json:"quantity"` // QuantityState or QuantityOutput
	Eps      Float   `json:"eps"`
	EpsName  string  `json:"eps_name"`
	Units    int     `json:"units"`
	N        []int   `json:"n"`
	Median   []Float `json:"median"`
	P10      []Float `json:"p10"`
	P90      []Float `json:"p90"`
	// Bound (state curves of SSM units): ZetaMax is the largest unit ζ and
	// CMax the largest unit C, so C·ε·e^{N·ζ} bounds every unit's curve.
	ZetaMax Float `json:"zeta_max"`
	CMax    Float `json:"c_max"`
	// Floor is the median over units of Settings.Floor times their scale:
	// below it a curve is rounding noise.
	Floor Float `json:"floor"`
}

// BoundAt returns CMax·Eps·exp(N·ZetaMax).
func (c DeviationCurve) BoundAt(n int) float64 {
	return float64(c.CMax) * float64(c.Eps) * math.Exp(float64(n)*float64(c.ZetaMax))
}

// LyapunovStats aggregates the units (Aggregate computes it): what the
// report's table and claims quote.
type LyapunovStats struct {
	Layers      int   `json:"layers"`       // layer units
	Models      int   `json:"models"`       // model units
	NonPositive int   `json:"non_positive"` // layer units with ζ <= 0
	ZetaMin     Float `json:"zeta_min"`     // over layer units
	ZetaMax     Float `json:"zeta_max"`
	ZetaMedian  Float `json:"zeta_median"`
	// Bound over layer units × ε, and over model units × ε (SSM stacks).
	BoundTested      int   `json:"bound_tested"`
	BoundHeld        int   `json:"bound_held"`
	CMax             Float `json:"c_max"`
	ModelBoundTested int   `json:"model_bound_tested"`
	ModelBoundHeld   int   `json:"model_bound_held"`
	ModelCMax        Float `json:"model_c_max"`
	// Fitted rates over layer units × ε: how many were <= 0, their
	// median, and |rate − ζ|/|ζ| (median, max).
	RateTested       int   `json:"rate_tested"`
	RateNonPositive  int   `json:"rate_non_positive"`
	RateMedian       Float `json:"rate_median"`
	RateRelErrMedian Float `json:"rate_rel_err_median"`
	RateRelErrMax    Float `json:"rate_rel_err_max"`
	OutputRateMedian Float `json:"output_rate_median"`
	OutputTested     int   `json:"output_tested"`
	OutputNonPos     int   `json:"output_non_positive"`
	// Model units: median fitted state and output rates and output power
	// law over units × ε, median QR λ_max and DNS λ_max (longest run).
	ModelStateRate   Float `json:"model_state_rate"`
	ModelOutputRate  Float `json:"model_output_rate"`
	ModelOutputPower Float `json:"model_output_power"`
	LambdaMax        Float `json:"lambda_max"`
	LambdaPositive   int   `json:"lambda_positive"` // model units with QR λ_max > 0
	DNSMax           Float `json:"dns_max"`
	// QR against the exact spectrum, per run length: layer units, and
	// model units (SSM stacks).
	QR      []QRStat `json:"qr,omitempty"`
	ModelQR []QRStat `json:"model_qr,omitempty"`
	// ConvFlushMax is the largest ConvFlush of the layer units.
	ConvFlushMax int `json:"conv_flush_max"`
}

// QRStat is QR's error over the units that ran it, at one length.
type QRStat struct {
	Steps     int   `json:"steps"`
	Units     int   `json:"units"`
	MaxErr    Float `json:"max_err"`
	MedianErr Float `json:"median_err"`
	// ErrTimesSteps is MedianErr·Steps: constant when the error falls
	// like 1/T.
	ErrTimesSteps Float `json:"err_times_steps"`
}

// Aggregate computes Stats from Units.
func (s *Lyapunov) Aggregate() LyapunovStats {
	st := LyapunovStats{ZetaMin: NaN(), ZetaMax: NaN(), ZetaMedian: NaN(), CMax: NaN(), ModelCMax: NaN()}
	var zetas, rates, relErrs, outRates, mState, mOut, mPow, lmax, dns []float64
	qr, mqr := map[int][]float64{}, map[int][]float64{}
	for _, u := range s.Units {
		z := float64(u.Zeta)
		if u.Kind == UnitModel {
			st.Models++
			for _, e := range u.Eps {
				mState, mOut, mPow = appendFinite(mState, e.StateRate), appendFinite(mOut, e.OutputRate), appendFinite(mPow, e.OutputPower)
				if !math.IsNaN(z) && !math.IsNaN(float64(e.C)) {
					st.ModelBoundTested++
					st.ModelCMax = maxF(st.ModelCMax, e.C)
					if e.Held {
						st.ModelBoundHeld++
					}
				}
			}
			addQR(mqr, u.QR)
			if n := len(u.QR); n > 0 {
				lmax = appendFinite(lmax, u.QR[n-1].Exponents[0])
				if u.QR[n-1].Exponents[0] > 0 {
					st.LambdaPositive++
				}
				dns = appendFinite(dns, u.QR[n-1].DNS)
			}
			continue
		}
		st.Layers++
		st.ConvFlushMax = max(st.ConvFlushMax, u.ConvFlush)
		if !math.IsNaN(z) {
			zetas = append(zetas, z)
			if z <= 0 {
				st.NonPositive++
			}
		}
		for _, e := range u.Eps {
			if !math.IsNaN(float64(e.C)) {
				st.BoundTested++
				st.CMax = maxF(st.CMax, e.C)
				if e.Held {
					st.BoundHeld++
				}
			}
			if r := float64(e.StateRate); !math.IsNaN(r) {
				st.RateTested++
				rates = append(rates, r)
				if r <= 0 {
					st.RateNonPositive++
				}
				if z != 0 && !math.IsNaN(z) {
					relErrs = append(relErrs, math.Abs(r-z)/math.Abs(z))
				}
			}
			if r := float64(e.OutputRate); !math.IsNaN(r) {
				st.OutputTested++
				outRates = append(outRates, r)
				if r <= 0 {
					st.OutputNonPos++
				}
			}
		}
		addQR(qr, u.QR)
	}
	if len(zetas) > 0 {
		st.ZetaMin, st.ZetaMax, st.ZetaMedian = Float(minOf(zetas)), Float(maxOf(zetas)), Float(stats.Quantile(zetas, 0.5))
	}
	st.RateMedian, st.OutputRateMedian = quantileF(rates, 0.5), quantileF(outRates, 0.5)
	st.RateRelErrMedian, st.RateRelErrMax = quantileF(relErrs, 0.5), quantileF(relErrs, 1)
	st.ModelStateRate, st.ModelOutputRate, st.ModelOutputPower = quantileF(mState, 0.5), quantileF(mOut, 0.5), quantileF(mPow, 0.5)
	st.LambdaMax, st.DNSMax = quantileF(lmax, 0.5), quantileF(dns, 0.5)
	st.QR, st.ModelQR = qrStats(qr), qrStats(mqr)
	return st
}

func addQR(by map[int][]float64, runs []QRRun) {
	for _, q := range runs {
		if !math.IsNaN(float64(q.MaxErr)) {
			by[q.Steps] = append(by[q.Steps], float64(q.MaxErr))
		}
	}
}

func qrStats(by map[int][]float64) []QRStat {
	steps := make([]int, 0, len(by))
	for k := range by {
		steps = append(steps, k)
	}
	sort.Ints(steps)
	var out []QRStat
	for _, k := range steps {
		e := by[k]
		med := stats.Quantile(e, 0.5)
		out = append(out, QRStat{Steps: k, Units: len(e), MaxErr: Float(maxOf(e)), MedianErr: Float(med), ErrTimesSteps: Float(med * float64(k))})
	}
	return out
}

func quantileF(xs []float64, q float64) Float { return Float(stats.Quantile(xs, q)) }

func appendFinite(xs []float64, f Float) []float64 {
	if v := float64(f); !math.IsNaN(v) && !math.IsInf(v, 0) {
		return append(xs, v)
	}
	return xs
}

func maxF(a, b Float) Float {
	if math.IsNaN(float64(a)) || b > a {
		return b
	}
	return a
}

func minOf(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = math.Min(m, x)
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}
