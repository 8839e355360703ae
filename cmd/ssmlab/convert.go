package main

import (
	"fmt"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/nn"
)

var cmdConvert = &Command{
	Name:  "convert",
	Usage: "convert IN_DIR OUT_DIR",
	Short: "rewrite a model directory (pytorch_model.bin, mamba_ssm layout) as HF safetensors",
	Long: `Convert reads the model directory IN_DIR as every ssmlab command does and
writes OUT_DIR, a Hugging Face directory that transformers (and ssmlab) load:
config.json with HF's keys for the architecture, and model.safetensors with
HF's tensor names (mamba_ssm's backbone.embedding becomes backbone.embeddings;
tied weights are stored once) in float32 (F16/BF16 checkpoints widen exactly).

Reads IN_DIR: config.json plus model.safetensors, its shards, or
pytorch_model.bin (or its shards). PyTorch checkpoints are read by a
weights-only pickle reader that executes nothing: a pickle referencing any
global a state dict of tensors does not need (os.system, builtins.eval, ...)
is refused with an error naming it, as torch.load(weights_only=True) does.

Writes OUT_DIR, which must not exist or be empty: config.json,
model.safetensors, and copies of IN_DIR's other regular files (tokenizer,
generation_config.json, README). The directory is assembled next to OUT_DIR
and renamed into place, so an error leaves nothing behind.

Example (Mamba-2 checkpoints ship only pytorch_model.bin):
  huggingface-cli download state-spaces/mamba2-130m --local-dir mamba2-130m
  ssmlab convert mamba2-130m mamba2-130m-hf`,
}

func init() {
	cmdConvert.Run = func(_ *Command, args []string) error {
		if len(args) != 2 {
			return usagef("convert takes IN_DIR and OUT_DIR")
		}
		return convertModel(args[0], args[1])
	}
	register(cmdConvert)
}

// weightFile reports whether name is a weight file or index of either
// format (replaced by the converted model.safetensors).
func weightFile(name string) bool {
	return name == "config.json" || strings.HasSuffix(name, ".safetensors") ||
		strings.HasSuffix(name, ".bin") || strings.HasSuffix(name, ".index.json")
}

func convertModel(in, out string) (err error) {
	if ents, e := os.ReadDir(out); e == nil && len(ents) > 0 {
		return fmt.Errorf("%s: already exists and is not empty; choose a new OUT_DIR", out)
	} else if e == nil {
		if err := os.Remove(out); err != nil {
			return err
		}
	}
	m, err := hf.Load(in)
	if err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".convert-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := hf.Save(tmp, m); err != nil {
		return err
	}
	ents, err := os.ReadDir(in)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if weightFile(e.Name()) {
			continue
		}
		src := filepath.Join(in, e.Name())
		if st, err := os.Stat(src); err != nil || !st.Mode().IsRegular() {
			continue // subdirectories, sockets and broken links are not part of a model
		}
		if err := copyFile(filepath.Join(tmp, e.Name()), src); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	total, _ := nn.Count(m.Params())
	fmt.Fprintf(stdout, "wrote %s (%s, %d parameters)\n", out, m.Arch(), total)
	return nil
}

func copyFile(dst, src string) error {
	r, err := fsx.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return fmt.Errorf("%s: %v", src, err)
	}
	return w.Close()
}
