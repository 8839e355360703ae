package train

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/optim"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

// Checkpoint file: the 8-byte magic, a little-endian uint32 format version,
// then a safetensors blob whose metadata "ssmlab" holds the JSON header and
// whose tensors are param/<name>, adam_m/<name>, adam_v/<name> for every
// trainable parameter. Frozen parameters are not stored; their fingerprint is.
const (
	ckptMagic   = "SSMLABCK"
	ckptVersion = 1
	regen       = "delete it or rerun with --force to start over"
)

type ckptHeader struct {
	Version      int                  `json:"version"`
	Arch         string               `json:"arch"`
	Step         int                  `json:"step"`
	OptStep      int                  `json:"opt_step"`
	Scaler       precision.LossScaler `json:"scaler"`
	Trainable    []string             `json:"trainable"`
	FrozenSHA256 string               `json:"frozen_sha256"`
	Config       string               `json:"config"`
}

// frozenFingerprint hashes the names, shapes and values of frozen params.
func frozenFingerprint(params []*nn.Param) string {
	h := sha256.New()
	var b [4]byte
	for _, p := range params {
		if !p.Frozen {
			continue
		}
		io.WriteString(h, p.Name)
		for _, d := range p.Value.Shape {
			binary.LittleEndian.PutUint32(b[:], uint32(d))
			h.Write(b[:])
		}
		for _, v := range p.Value.Data {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func saveCheckpoint(path, arch string, step int, params []*nn.Param, opt *optim.AdamW, sc *precision.LossScaler, cfg string) error {
	hd := ckptHeader{Version: ckptVersion, Arch: arch, Step: step, OptStep: opt.Step, Scaler: *sc,
		FrozenSHA256: frozenFingerprint(params), Config: cfg}
	var ts []safetensors.Tensor
	for i, p := range opt.Params {
		hd.Trainable = append(hd.Trainable, p.Name)
		ts = append(ts,
			safetensors.F32Tensor("param/"+p.Name, p.Value.Shape, p.Value.Data),
			safetensors.F32Tensor("adam_m/"+p.Name, p.Value.Shape, opt.M[i]),
			safetensors.F32Tensor("adam_v/"+p.Name, p.Value.Shape, opt.V[i]))
	}
	meta, _ := json.Marshal(hd)
	return fsx.WriteAtomic(path, func(w io.Writer) error {
		var v [4]byte
		binary.LittleEndian.PutUint32(v[:], ckptVersion)
		if _, err := io.WriteString(w, ckptMagic); err != nil {
			return err
		}
		if _, err := w.Write(v[:]); err != nil {
			return err
		}
		return safetensors.Write(w, ts, map[string]string{"ssmlab": string(meta)})
	})
}

// loadCheckpoint restores params, optimizer and scaler from path and
// returns the step to continue from. It refuses a checkpoint of another
// format version, architecture, parameter set, frozen base or config.
func loadCheckpoint(path, arch string, params []*nn.Param, opt *optim.AdamW, sc *precision.LossScaler, cfg string) (int, error) {
	var pre [12]byte
	if err := readPreamble(path, pre[:]); err != nil {
		return 0, err
	}
	if string(pre[:8]) != ckptMagic {
		return 0, fmt.Errorf("%s: not an ssmlab checkpoint (bad magic); %s", path, regen)
	}
	if v := binary.LittleEndian.Uint32(pre[8:12]); v != ckptVersion {
		return 0, fmt.Errorf("%s: checkpoint format version %d, this ssmlab reads version %d; %s", path, v, ckptVersion, regen)
	}
	// The tensors are read one at a time straight into the parameters and
	// optimizer moments, so resuming needs no second copy of the file.
	f, err := safetensors.OpenAfter(path, 12)
	if err != nil {
		return 0, fmt.Errorf("%w; %s", err, regen)
	}
	defer f.Close()
	var hd ckptHeader
	if err := json.Unmarshal([]byte(f.Metadata["ssmlab"]), &hd); err != nil {
		return 0, fmt.Errorf("%s: corrupt checkpoint header: %v; %s", path, err, regen)
	}
	switch {
	case hd.Arch != arch:
		return 0, fmt.Errorf("%s: checkpoint of a %s model, this run trains %s; %s", path, hd.Arch, arch, regen)
	case hd.FrozenSHA256 != frozenFingerprint(params):
		return 0, fmt.Errorf("%s: checkpoint was trained on another frozen base model; %s", path, regen)
	case hd.Config != cfg:
		return 0, fmt.Errorf("%s: checkpoint was written under another training config; %s", path, regen)
	case len(hd.Trainable) != len(opt.Params):
		return 0, fmt.Errorf("%s: checkpoint has %d trainable tensors, the model %d; %s", path, len(hd.Trainable), len(opt.Params), regen)
	}
	for i, p := range opt.Params {
		if hd.Trainable[i] != p.Name {
			return 0, fmt.Errorf("%s: checkpoint tensor %d is %s, the model's is %s; %s", path, i, hd.Trainable[i], p.Name, regen)
		}
		for _, part := range []struct {
			prefix string
			dst    []float32
		}{{"param/", p.Value.Data}, {"adam_m/", opt.M[i]}, {"adam_v/", opt.V[i]}} {
			name := part.prefix + p.Name
			if shape, _, ok := f.Shape(name); ok && numel(shape) != len(part.dst) {
				return 0, fmt.Errorf("%s: %s has shape %v, the model's is %v; %s", path, name, shape, p.Value.Shape, regen)
			}
			if err := f.ReadFloat32(name, part.dst); err != nil {
				return 0, fmt.Errorf("%w; %s", err, regen)
			}
		}
	}
	opt.Step = hd.OptStep
	*sc = hd.Scaler
	return hd.Step, nil
}

// readPreamble reads the checkpoint's first len(buf) bytes; a shorter file
// is refused as not a checkpoint.
func readPreamble(path string, buf []byte) error {
	f, err := fsx.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.ReadFull(f, buf); err != nil {
		return fmt.Errorf("%s: not an ssmlab checkpoint (bad magic); %s", path, regen)
	}
	return nil
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
