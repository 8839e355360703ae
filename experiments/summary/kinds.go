package summary

// Model identifies the model a trial studied.
type Model struct {
	Name   string `json:"name"`   // the [models.NAME]
	Arch   string `json:"arch"`   // a registered architecture (models.Names())
	Family string `json:"family"` // label for figures (default: arch)
	Size   string `json:"size"`   // label for figures (default: parameter count)
	Params int    `json:"params"`
	Seed   int64  `json:"seed"`
}

// ICL is the summary.json of kind "icl": k-shot accuracy of one model,
// pretrained or instruction-tuned, on the held-out-function tasks.
type ICL struct {
	Model     Model     `json:"model"`
	Stage     string    `json:"stage"`     // "pretrained" or "instruct"
	Method    string    `json:"method"`    // instruction tuning method (stage instruct)
	Precision string    `json:"precision"` // instruction tuning precision (stage instruct)
	Shots     []int     `json:"shots"`
	Acc       []float64 `json:"acc"`      // mean acc per shot count
	AccNorm   []float64 `json:"acc_norm"` // mean acc_norm per shot count
	Gain      float64   `json:"gain"`     // mean over k > 0 of acc_k - acc_0
	// Items holds per-item correctness (acc) per shot count, items in the
	// same order for every model evaluated on the same data (for paired
	// bootstrap intervals of gains and ratios).
	Items [][]float64 `json:"items"`
	// Families holds mean acc per family per shot count.
	Families     []FamilyAcc `json:"families"`
	PretrainLoss Float       `json:"pretrain_loss"`
	FinetuneLoss Float       `json:"finetune_loss,omitempty"`
	// Diverged is set when the model's pretraining or instruction tuning
	// diverged (non-finite loss): the accuracies are those of a model with
	// non-finite weights.
	Diverged bool `json:"diverged,omitempty"`
	// Recipe (stage instruct with a sweep) lists the instruction-tuning
	// recipes tried, each with its held-out instruction loss; the model
	// evaluated is the one with the lowest, whose loss is HeldOutLoss.
	Recipe      []RecipePoint `json:"recipe,omitempty"`
	HeldOutLoss *Float        `json:"held_out_loss,omitempty"`
}

// RecipePoint is one instruction-tuning recipe of a sweep.
type RecipePoint struct {
	LR          float64 `json:"lr"`
	Alpha       float64 `json:"alpha,omitempty"` // LoRA alpha (0: full fine-tuning)
	HeldOutLoss Float   `json:"held_out_loss"`
	Chosen      bool    `json:"chosen"`
}

// FamilyAcc is a task family's mean accuracy per shot count.
type FamilyAcc struct {
	Family string    `json:"family"`
	Acc    []float64 `json:"acc"`
}

// MPInference is the summary.json of kind "mpdiv" (Table 1): one base
// model evaluated in fp32 and 16-bit precisions.
type MPInference struct {
	Model Model    `json:"model"`
	Shots []int    `json:"shots"`
	Rows  []MPRow  `json:"rows"`
	Notes []string `json:"notes,omitempty"`
}

// MPRow is one precision's results and its divergence from fp32.
type MPRow struct {
	Precision string    `json:"precision"`
	Acc       []float64 `json:"acc"` // mean acc per shot count
	// DivPP is the mean over families and shot counts of
	// |acc_fp32 − acc_p| in percentage points; DivTaskPP the same over
	// individual tasks (finer, noisier).
	DivPP     float64 `json:"div_pp"`
	DivTaskPP float64 `json:"div_task_pp"`
	// ItemFlip is the fraction of (item, k) whose correctness differs from fp32.
	ItemFlip float64 `json:"item_flip"`
	// Logit-level divergence from fp32 on the evaluation prompts (Inf or
	// NaN when the 16-bit logits overflowed).
	MaxAbsLogit Float `json:"max_abs_logit"`
	MeanKL      Float `json:"mean_kl"`
	ArgmaxFlip  Float `json:"argmax_flip"`
}

// MPFT is the summary.json of kind "mpft" (Fig. 1): one model fine-tuned
// by one method in one precision, compared with fp32 full fine-tuning of
// the same base.
type MPFT struct {
	Model     Model     `json:"model"`
	Method    string    `json:"method"`
	Precision string    `json:"precision"`
	Trainable int       `json:"trainable"`
	Shots     []int     `json:"shots"`
	Acc       []float64 `json:"acc"`     // per shot count
	RefAcc    []float64 `json:"ref_acc"` // fp32 full fine-tuning, per shot count
	DivPP     float64   `json:"div_pp"`  // mean over families and k of |acc − acc_ref| (pp)
	ItemFlip  float64   `json:"item_flip"`
	// Logit-level divergence from the fp32 full fine-tuned model (Inf or
	// NaN when logits overflowed).
	MaxAbsLogit Float `json:"max_abs_logit"`
	MeanKL      Float `json:"mean_kl"`
	ArgmaxFlip  Float `json:"argmax_flip"`
	Train       Train `json:"train"`
	// Diverged is set when this fine-tune or its fp32 full reference
	// diverged (non-finite loss): the accuracies and divergences are those
	// of models with non-finite weights.
	Diverged bool `json:"diverged,omitempty"`
	// NoiseDivPP is set on the reference trial (fp32 full fine-tuning): the
	// accuracy divergence (pp) of an fp32 full fine-tuning that differs from
	// the reference only in its fine-tuning seed, the noise floor of Fig. 1.
	NoiseDivPP *float64 `json:"noise_div_pp,omitempty"`
}

// Efficiency is the summary.json of kind "efficiency" (Fig. 2): training
// and inference throughput and memory of one setting.
type Efficiency struct {
	Model          Model   `json:"model"`
	Method         string  `json:"method"`
	Precision      string  `json:"precision"`
	Trainable      int     `json:"trainable"`
	Tokens         int     `json:"tokens_per_step"`
	TrainTokensPS  float64 `json:"train_tokens_per_s"` // mean of the timed steps' rates
	TrainPeakBytes uint64  `json:"train_peak_bytes"`
	BytesPerToken  float64 `json:"train_peak_bytes_per_token"`
	InferTokensPS  float64 `json:"infer_tokens_per_s"` // over all timed forward passes
	// The median step's rates (version 2 on): what the report compares,
	// since a step slowed by other work on the machine moves a mean of few
	// steps but not the median. 0 in older summaries.
	TrainTokensPSMedian float64 `json:"train_tokens_per_s_median,omitempty"`
	InferTokensPSMedian float64 `json:"infer_tokens_per_s_median,omitempty"`
	// ResidentBytesPerToken (version 3 on) is the live Go heap after the
	// timed steps, a collection forced, less what was live before the model
	// was built, per token: weights, gradients, optimizer state and the
	// activation buffers a step keeps for reuse. Unlike the sampled peak it
	// does not depend on when the collector last ran. 0 in older summaries.
	ResidentBytesPerToken float64 `json:"train_resident_bytes_per_token,omitempty"`
	Backend               string  `json:"backend"`     // GEMM backend
	HalfNative            bool    `json:"half_native"` // a native 16-bit GEMM ran (else rounding emulation)
	Steps                 int     `json:"steps"`
	// Device is the GPU a trial ran on (device = "cuda"): "cuda: " and the
	// GPU, driver and library versions. Empty on the CPU. On a GPU,
	// TrainPeakBytes is the device allocator's high-water mark during the
	// training steps (torch.cuda.max_memory_allocated) and
	// ResidentBytesPerToken is 0.
	Device string `json:"device,omitempty"`
	// InferSkipped says why a GPU trial has no inference rates: the GPU
	// backend does not run the model under the trial's precision for
	// inference yet (the error of cuda.Upload). Empty otherwise.
	InferSkipped string `json:"infer_skipped,omitempty"`
}
