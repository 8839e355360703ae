package hf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/safetensors"
	"github.com/ssmlab/ssmlab/models/tensor"
	"github.com/ssmlab/ssmlab/models/torchckpt"
)

// WeightRules adapt name matching to one architecture's checkpoints.
type WeightRules struct {
	// Aliases maps a name prefix found in files to the canonical prefix
	// (mamba_ssm's "backbone.embedding." -> "backbone.embeddings.").
	Aliases map[string]string
	// Tied maps a parameter that may be absent from the file to the
	// parameter it is tied to ("lm_head.weight" -> the embedding).
	Tied map[string]string
	// Ignore matches file tensors that are not parameters (non-persistent
	// buffers of older checkpoints such as rotary inv_freq) and are skipped.
	Ignore []*regexp.Regexp
}

const (
	singleFile = "model.safetensors"
	indexFile  = "model.safetensors.index.json"
	binFile    = "pytorch_model.bin"
	binIndex   = "pytorch_model.bin.index.json"
)

// source is one weight file opened for reading tensor by tensor: a
// safetensors file or a PyTorch pickle checkpoint.
type source interface {
	Names() []string
	// Fill reads tensor name into dst, checking first that the tensor
	// has the given shape; its errors name the file.
	Fill(name string, shape []int, dst []float32) error
	Close() error
}

// safetensorsSource reads each tensor straight from the file into its
// parameter through a bounded buffer (safetensors.Reader.ReadFloat32).
type safetensorsSource struct{ *safetensors.Reader }

func (s safetensorsSource) Fill(name string, shape []int, dst []float32) error {
	got, _, _ := s.Shape(name)
	if err := checkShape(s.Path, name, got, shape); err != nil {
		return err
	}
	return s.ReadFloat32(name, dst)
}

// torchSource adapts a PyTorch checkpoint to source: a tensor is read
// whole (its storage may be a strided view) into one buffer reused for the
// file, then converted.
type torchSource struct {
	*torchckpt.File
	buf []byte
}

func (s *torchSource) Fill(name string, shape []int, dst []float32) error {
	t, err := s.TensorInto(name, s.buf)
	if err != nil {
		return err
	}
	s.buf = t.Data
	if err := checkShape(s.Path, name, t.Shape, shape); err != nil {
		return err
	}
	if err := t.DecodeFloat32(dst); err != nil {
		return fmt.Errorf("%s: %v", s.Path, err)
	}
	return nil
}

func checkShape(path, name string, got, want []int) error {
	if !tensor.SameShape(got, want) {
		return fmt.Errorf("%s: tensor %q has shape %v, the config implies %v", path, name, got, want)
	}
	return nil
}

// openSource opens a safetensors file, or a PyTorch checkpoint (read by the
// weights-only pickle reader) when the name ends in .bin.
func openSource(path string) (source, error) {
	if strings.HasSuffix(path, ".bin") {
		f, err := torchckpt.Open(path)
		if err != nil {
			return nil, err
		}
		return &torchSource{File: f}, nil
	}
	r, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	return safetensorsSource{r}, nil
}

// LoadWeights fills params from dir's model.safetensors (or the shards
// named by model.safetensors.index.json), or else from pytorch_model.bin
// (or its shards), converting F16/BF16 to float32. Tensors are read one at
// a time and decoded straight into the parameters: from safetensors files
// in chunks of at most 1 MiB, so loading needs the model's float32 weights
// plus that buffer; from PyTorch checkpoints whole, so it needs the weights
// plus the largest tensor.
func LoadWeights(dir string, params []*nn.Param, rules WeightRules) error {
	files, err := weightFiles(dir)
	if err != nil {
		return err
	}
	byName := map[string]*nn.Param{}
	for _, p := range params {
		byName[p.Name] = p
	}
	loaded := map[string]string{} // canonical name -> file it came from
	for _, path := range files {
		if err := loadFile(path, byName, loaded, params, rules); err != nil {
			return err
		}
	}
	var missing []string
	for _, p := range params {
		if _, ok := loaded[p.Name]; !ok {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		more := ""
		if len(missing) > 3 {
			more = fmt.Sprintf(" and %d more", len(missing)-3)
			missing = missing[:3]
		}
		return fmt.Errorf("%s: missing weights %s%s", strings.Join(files, ", "), strings.Join(missing, ", "), more)
	}
	return nil
}

func loadFile(path string, byName map[string]*nn.Param, loaded map[string]string, params []*nn.Param, rules WeightRules) error {
	f, err := openSource(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, name := range f.Names() {
		canon := canonical(name, rules.Aliases)
		p, ok := byName[canon]
		if !ok {
			if ignored(canon, rules.Ignore) || rules.Tied[canon] != "" {
				continue
			}
			return fmt.Errorf("%s: unexpected tensor %q: this %s model has no such parameter", path, name, archOf(params))
		}
		if prev, dup := loaded[canon]; dup {
			return fmt.Errorf("%s: tensor %q is also in %s", path, name, prev)
		}
		if err := f.Fill(name, p.Value.Shape, p.Value.Data); err != nil {
			return err
		}
		loaded[canon] = path
	}
	return nil
}

func canonical(name string, aliases map[string]string) string {
	for from, to := range aliases {
		if strings.HasPrefix(name, from) {
			return to + strings.TrimPrefix(name, from)
		}
	}
	return name
}

func ignored(name string, res []*regexp.Regexp) bool {
	for _, re := range res {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

func archOf(params []*nn.Param) string {
	if len(params) > 0 {
		return "model with first parameter " + params[0].Name + ";"
	}
	return "model"
}

// weightFiles returns model.safetensors, or the shards of its index, or
// else pytorch_model.bin or the shards of its index.
func weightFiles(dir string) ([]string, error) {
	for _, pair := range [][2]string{{singleFile, indexFile}, {binFile, binIndex}} {
		single := filepath.Join(dir, pair[0])
		if _, err := os.Stat(single); err == nil {
			return []string{single}, nil
		}
		idx := filepath.Join(dir, pair[1])
		if _, err := os.Stat(idx); err == nil {
			return shardFiles(dir, idx)
		}
	}
	return nil, fmt.Errorf("%s: no %s, %s, %s or %s", dir, singleFile, indexFile, binFile, binIndex)
}

// shardFiles returns the files named by an index's weight_map.
func shardFiles(dir, idx string) ([]string, error) {
	raw, err := fsx.ReadFile(idx)
	if err != nil {
		return nil, err
	}
	var ix struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(raw, &ix); err != nil {
		return nil, fmt.Errorf("%s: invalid JSON: %v", idx, err)
	}
	if len(ix.WeightMap) == 0 {
		return nil, fmt.Errorf("%s: empty weight_map", idx)
	}
	seen := map[string]bool{}
	var files []string
	for _, shard := range ix.WeightMap {
		if strings.Contains(shard, "/") || strings.Contains(shard, `\`) || shard == ".." {
			return nil, fmt.Errorf("%s: shard name %q must be a file in the model directory", idx, shard)
		}
		if !seen[shard] {
			seen[shard] = true
			files = append(files, filepath.Join(dir, shard))
		}
	}
	sort.Strings(files)
	return files, nil
}

// SaveWeights writes params to dir/model.safetensors (F32) atomically,
// omitting the names in skip (tied weights HF does not store twice).
func SaveWeights(dir string, params []*nn.Param, skip map[string]bool, meta map[string]string) error {
	var ts []safetensors.Tensor
	seen := map[string]bool{}
	for _, p := range params {
		if skip[p.Name] || seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		ts = append(ts, safetensors.F32Values(p.Name, p.Value.Shape, p.Value.Data)) // encoded while written: no copy of the weights
	}
	if meta == nil {
		meta = map[string]string{"format": "pt"}
	}
	return safetensors.WriteFile(filepath.Join(dir, singleFile), ts, meta)
}

// CheckHeaders compares the weights files' headers (read without their
// data) with the parameter count config.json implies: every parameter must
// come from the files (a tied head is counted once in params and may be
// absent), so files holding less than half the values were not saved from
// this config, and building its model would allocate for nothing. (A file
// short of a few tensors passes here; LoadWeights then names them.)
func CheckHeaders(dir string, params float64) error {
	files, err := weightFiles(dir)
	if err != nil {
		return err
	}
	var n float64
	for _, path := range files {
		shapes, err := headerShapes(path)
		if err != nil {
			return err
		}
		for _, shape := range shapes {
			v := 1.0
			for _, d := range shape {
				v *= float64(d)
			}
			n += v
		}
	}
	if n < params/2 {
		return fmt.Errorf("%s: config.json implies %.4g parameters, but the weights files hold only %.4g values: config.json does not describe these weights", dir, params, n)
	}
	return nil
}

// headerShapes lists a weights file's tensor shapes without reading their
// data: a safetensors header, or a PyTorch checkpoint's pickle.
func headerShapes(path string) ([][]int, error) {
	if strings.HasSuffix(path, ".bin") {
		f, err := torchckpt.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		var shapes [][]int
		for _, name := range f.Names() {
			shape, _, _ := f.Shape(name)
			shapes = append(shapes, shape)
		}
		return shapes, nil
	}
	ts, err := safetensors.ReadHeader(path)
	if err != nil {
		return nil, err
	}
	shapes := make([][]int, len(ts))
	for i, t := range ts {
		shapes[i] = t.Shape
	}
	return shapes, nil
}
