package summary

// Spectra is the summary.json of kind "spectra": the exact Lyapunov
// spectrum of every SSM layer of one model (typically a real checkpoint)
// along real text. For a fixed input the state Jacobian of a Mamba layer is
// diag(exp(Δ_{t,d} A_{d,n})), so its exponents are exactly
// λ_{d,n} = A_{d,n}·mean_t Δ_{t,d} (Mamba-2: λ_h = A_h·mean_t dt_{t,h}),
// and ζ = max λ is the layer's maximal exponent (Theorem 1 of 2406.00209:
// ζ ≤ 0).
type Spectra struct {
	Model     Model  `json:"model"`
	Text      string `json:"text"`      // the dataset the sequences were cut from
	Sequences int    `json:"sequences"` // text windows measured
	SeqLen    int    `json:"seq_len"`   // tokens per window
	// Exponents is the number of exponents per layer and sequence: E·N
	// (Mamba), or H heads of P·N equal exponents each (Mamba-2: H listed);
	// 0 when the layers differ (a hybrid stack of Mamba and Mamba-2 layers).
	Exponents int             `json:"exponents"`
	Layers    []LayerSpectrum `json:"layers"`
}

// LayerSpectrum is one layer's exponents over the text windows.
type LayerSpectrum struct {
	Layer int `json:"layer"` // its index in the model (a hybrid's attention layers have no entry)
	// Zeta is ζ (the largest exponent) per window; ZetaMean, ZetaMin and
	// ZetaMax summarize it.
	Zeta     []Float `json:"zeta"`
	ZetaMean Float   `json:"zeta_mean"`
	ZetaMin  Float   `json:"zeta_min"`
	ZetaMax  Float   `json:"zeta_max"`
	// Quantiles of all exponents of the layer over every window: the
	// slowest-decaying directions sit near ζ, the fastest at Lambda01.
	Lambda01 Float `json:"lambda_q01"`
	Lambda50 Float `json:"lambda_q50"`
	Lambda99 Float `json:"lambda_q99"`
}
