package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

var cmdForward = &Command{
	Name:  "forward",
	Usage: "forward --model DIR [--adapter DIR] (--input IN.safetensors --out OUT.safetensors | --text TEXT [--out OUT.safetensors]) [--grads] [--precision fp32|fp16|bf16] [--device cpu|cuda]",
	Short: "run a model on token ids and write logits, loss and gradients",
	Long: `Forward runs one forward (and with --grads one backward) pass of a Hugging
Face model directory on the token ids in IN and writes the results to OUT.
It is the contract other tools compare against PyTorch (docs/commands.md).

A pass that needs more memory than the machine has available (estimated
from config.json and the input's shape; SSMLAB_MEMORY=64GB or unlimited
overrides it) is refused before the model is loaded.

Reads:
  --model DIR      an HF model directory: config.json plus model.safetensors
                   or model.safetensors.index.json with its shards (F32, F16 or
                   BF16), or pytorch_model.bin (read weights-only, nothing in
                   it runs); any registered architecture (see model_type), and
                   plain mamba_ssm directories
  --adapter DIR    optional PEFT LoRA adapter (adapter_config.json and
                   adapter_model.safetensors); every declared adapter is
                   applied and the base weights are frozen
  --input IN       a safetensors file with input_ids, I64 or I32, [B, T]
  --text TEXT      instead of --input: text, encoded with the model
                   directory's tokenizer.json (models ssmlab trains carry
                   theirs) into one sequence; --out is then optional

Writes OUT (safetensors, replaced atomically; nothing is written on error):
  logits           F32 [B, T, V]
  loss             F32 [1]: mean next-token cross-entropy with labels = the
                   inputs, shifted as HF does (NaN when T < 2: no targets)
  grad.<name>      with --grads, F32 d loss / d param for every trainable
                   parameter, named as in the checkpoint, or with an adapter
                   as in the adapter file (base_model.model.<module>.lora_A.weight)

Without --grads a Mamba, Mamba-2, GPT-NeoX, Llama or OLMo runs without keeping
the activations a backward pass needs, and no gradient buffers are held
(memory: the weights, one layer's activations and the logits).
The loss is also printed on stdout, with the number of tokens and targets.

--device cuda runs the forward on the GPU (models/cuda): logits and loss
of Mamba (fp32, bf16) and GPT-NeoX (fp32, bf16, fp16); with --grads or
--adapter it runs the GPU training forward and backward (Mamba and
GPT-NeoX, fp32/bf16/fp16), written as on the CPU.

--precision fp16 or bf16 runs under PyTorch-autocast semantics (16-bit matmul
operands and results, fp32 master weights, scan state, norms and loss); the
gradients are of the unscaled loss.

Example:
  ssmlab forward --model mamba-130m-hf --input ids.safetensors --out out.safetensors --grads
  ssmlab forward --model results/artifacts/pretrain/mamba-s_seed=0-*/model --text "3 -> 4; 5 -> 6"`,
}

func init() {
	f := &cmdForward.Flag
	io := modelIOFlags(f, "HF model `DIR`", "fp32, fp16 or bf16 (autocast semantics)")
	adapter := f.String("adapter", "", "PEFT LoRA adapter `DIR`")
	grads := f.Bool("grads", false, "also write the gradient of every trainable parameter")
	text := f.String("text", "", "`TEXT` to run instead of --input, with the model's tokenizer")
	device := f.String("device", "cpu", "cpu, or cuda (GPU: Mamba and GPT-NeoX; see above for the precisions)")
	cmdForward.Run = func(_ *Command, args []string) error {
		if err := checkDevice(*device); err != nil {
			return err
		}
		if *text != "" {
			if *device == "cuda" {
				return usagef("--device cuda takes token ids (--input); --text runs on the CPU")
			}
			if *io.input != "" {
				return usagef("give --input or --text, not both")
			}
			if *io.model == "" {
				return usagef("--model is required")
			}
			pol, err := io.policy("forward", args)
			if err != nil {
				return err
			}
			return runForwardText(*io.model, *adapter, *text, *io.out, *grads, pol)
		}
		pol, err := io.check("forward", args)
		if err != nil {
			return err
		}
		if *device == "cuda" {
			return runForwardCUDA(*io.model, *adapter, *io.input, *io.out, *grads, pol)
		}
		ids, B, T, err := readIDs(*io.input)
		if err != nil {
			return err
		}
		return runForward(*io.model, *adapter, *io.input, ids, B, T, *io.out, *grads, pol)
	}
	register(cmdForward)
}

// runForwardText encodes text with the model directory's tokenizer and
// runs it as one sequence.
func runForwardText(modelDir, adapterDir, text, out string, grads bool, pol precision.Policy) error {
	path := filepath.Join(modelDir, "tokenizer.json")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s has no tokenizer.json to encode --text with; give token ids with --input (models ssmlab trains now carry their tokenizer)", modelDir)
	}
	tok, err := tokenizer.Load(path)
	if err != nil {
		return err
	}
	ids := tok.Encode(text)
	if len(ids) == 0 {
		return usagef("--text encodes to no tokens")
	}
	return runForward(modelDir, adapterDir, "--text", ids, 1, len(ids), out, grads, pol)
}

// runForward runs ids [B, T] (read from input, for messages) and writes
// out ("" with --text: only the loss is printed).
func runForward(modelDir, adapterDir, input string, ids []int, B, T int, out string, grads bool, pol precision.Policy) error {
	if err := checkPassBudget("forward", modelDir, B, T, grads); err != nil {
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
	if !grads {
		inferenceOnly(m.Params())
		inferenceOnly(params)
	}
	V := m.VocabSize()
	if err := lm.CheckIDs(input, ids, B, T, V); err != nil {
		return err
	}
	trainable := nn.Trainable(params)
	nn.ZeroGrads(trainable)
	var logits []float32
	if grads {
		logits = m.Forward(pol, ids, B, T)
	} else {
		logits = lm.Infer(m, pol, ids, B, T) // same logits, no training tape
	}
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
	if out != "" {
		if err := safetensors.WriteFile(out, ts, map[string]string{"format": "pt", "precision": pol.String()}); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "loss %.6g (%d x %d tokens, %d targets, %s)\n", loss, B, T, count, pol)
	return nil
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
