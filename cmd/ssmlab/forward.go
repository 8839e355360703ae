package main

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

var cmdForward = &Command{
	Name:  "forward",
	Usage: "forward --model DIR [--adapter DIR] --input IN.safetensors --out OUT.safetensors [--grads] [--precision fp32|fp16|bf16] [--device cpu|cuda]",
	Short: "run a model on token ids and write logits, loss and gradients",
	Long: `Forward runs one forward (and with --grads one backward) pass of a Hugging
Face model directory on the token ids in IN and writes the results to OUT.
It is the contract other tools compare against PyTorch (DESIGN section 8).

Reads:
  --model DIR      an HF model directory: config.json plus model.safetensors
                   or model.safetensors.index.json with its shards (F32, F16 or
                   BF16); any registered architecture (see model_type), and
                   plain mamba_ssm directories
  --adapter DIR    optional PEFT LoRA adapter (adapter_config.json and
                   adapter_model.safetensors); every declared adapter is
                   applied and the base weights are frozen
  --input IN       a safetensors file with input_ids, I64 or I32, [B, T]

Writes OUT (safetensors, replaced atomically; nothing is written on error):
  logits           F32 [B, T, V]
  loss             F32 [1]: mean next-token cross-entropy with labels = the
                   inputs, shifted as HF does (NaN when T < 2: no targets)
  grad.<name>      with --grads, F32 d loss / d param for every trainable
                   parameter, named as in the checkpoint, or with an adapter
                   as in the adapter file (base_model.model.<module>.lora_A.weight)

--device cuda runs the forward on the GPU (models/cuda; so far fp32 Mamba
and GPT-NeoX and bf16 Mamba logits and loss, without --grads or --adapter).

--precision fp16 or bf16 runs under PyTorch-autocast semantics (16-bit matmul
operands and results, fp32 master weights, scan state, norms and loss); the
gradients are of the unscaled loss.

Example:
  ssmlab forward --model mamba-130m-hf --input ids.safetensors --out out.safetensors --grads`,
}

func init() {
	f := &cmdForward.Flag
	io := modelIOFlags(f, "HF model `DIR`", "fp32, fp16 or bf16 (autocast semantics)")
	adapter := f.String("adapter", "", "PEFT LoRA adapter `DIR`")
	grads := f.Bool("grads", false, "also write the gradient of every trainable parameter")
	device := f.String("device", "cpu", "cpu, or cuda (GPU: fp32 Mamba and GPT-NeoX, bf16 Mamba logits and loss so far)")
	cmdForward.Run = func(_ *Command, args []string) error {
		pol, err := io.check("forward", args)
		if err != nil {
			return err
		}
		if err := checkDevice(*device); err != nil {
			return err
		}
		if *device == "cuda" {
			return runForwardCUDA(*io.model, *adapter, *io.input, *io.out, *grads, pol)
		}
		return runForward(*io.model, *adapter, *io.input, *io.out, *grads, pol)
	}
	register(cmdForward)
}

func runForward(modelDir, adapterDir, input, out string, grads bool, pol precision.Policy) error {
	ids, B, T, err := readIDs(input)
	if err != nil {
		return err
	}
	m, err := hf.Load(modelDir)
	if err != nil {
		return err
	}
	params := m.Params()
	if adapterDir != "" {
		a, err := lora.Load(m, adapterDir)
		if err != nil {
			return err
		}
		params = a.Params()
	}
	V := m.VocabSize()
	if err := lm.CheckIDs(input, ids, B, T, V); err != nil {
		return err
	}
	trainable := nn.Trainable(params)
	nn.ZeroGrads(trainable)
	logits := m.Forward(pol, ids, B, T)
	ts := []safetensors.Tensor{safetensors.F32Tensor("logits", []int{B, T, V}, logits)}
	var dlogits []float32
	if grads {
		dlogits = make([]float32, len(logits))
	}
	loss, count := nn.CrossEntropy(dlogits, logits, nn.ShiftLabels(ids, B, T), B*T, V, 1)
	if count == 0 {
		loss = math.NaN() // PyTorch's mean over no targets
	}
	ts = append(ts, safetensors.F32Tensor("loss", []int{1}, []float32{float32(loss)}))
	if grads {
		pol.Act(dlogits) // the gradient of float logits flows into the 16-bit lm_head output
		m.Backward(pol, dlogits)
		for _, p := range trainable {
			ts = append(ts, safetensors.F32Tensor("grad."+p.Name, p.Value.Shape, p.Grad.Data))
		}
	}
	return safetensors.WriteFile(out, ts, map[string]string{"format": "pt", "precision": pol.String()})
}

// readIDs reads input_ids (I64 or I32, [B, T]) from path.
func readIDs(path string) (ids []int, B, T int, err error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	if !f.Has("input_ids") {
		return nil, 0, 0, fmt.Errorf("%s: no tensor input_ids", path)
	}
	x, shape, err := f.Int64("input_ids")
	if err != nil {
		return nil, 0, 0, err
	}
	if len(shape) != 2 || shape[0] == 0 || shape[1] == 0 {
		return nil, 0, 0, fmt.Errorf("%s: input_ids has shape %v, want [B, T] with B, T > 0", path, shape)
	}
	ids = make([]int, len(x))
	for i, v := range x {
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, 0, 0, fmt.Errorf("%s: token id %d at [%d, %d] is out of range", path, v, i/shape[1], i%shape[1])
		}
		ids[i] = int(v)
	}
	return ids, shape[0], shape[1], nil
}
