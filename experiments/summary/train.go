package summary

// Train summarises one training run (models/train.Summary).
type Train struct {
	Steps         int     `json:"steps"`
	FinalLoss     Float   `json:"final_loss"`     // NaN or Inf if the run diverged
	MeanLastLoss  Float   `json:"mean_last_loss"` // mean over the last 10% of steps
	Skipped       int     `json:"skipped_steps"`  // fp16 overflow skips
	Tokens        int     `json:"tokens"`
	TokensPerS    float64 `json:"tokens_per_s"`
	PeakBytes     uint64  `json:"peak_bytes"`
	BytesPerToken float64 `json:"peak_bytes_per_token"`
	Diverged      bool    `json:"diverged"`
}

// Base is the summary.json of a "pretrain" artifact.
type Base struct {
	Arch       string `json:"arch"`
	Params     int    `json:"params"`
	Train      Train  `json:"train"`
	Corpus     string `json:"corpus"`
	CorpusRows int    `json:"corpus_rows"` // training rows of seq_len tokens
}

// Finetune is the summary.json of a "finetune" artifact.
type Finetune struct {
	Arch      string `json:"arch"`
	Params    int    `json:"params"`
	Trainable int    `json:"trainable"` // parameters the optimizer updated
	Method    string `json:"method"`
	Precision string `json:"precision"`
	Examples  int    `json:"examples"`
	Train     Train  `json:"train"`
	// HeldOut is the number of instruction examples held out of training
	// (FinetuneSpec.HeldOutEvery) and HeldOutLoss the trained model's mean
	// response-token loss on them (fp32): the instruction loss a recipe is
	// chosen by. Absent when nothing was held out.
	HeldOut     int      `json:"held_out,omitempty"`
	HeldOutLoss *float64 `json:"held_out_loss,omitempty"`
}
