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
)

// LoadWeights fills params from dir's model.safetensors (or the shards
// named by model.safetensors.index.json), converting F16/BF16 to float32.
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
		f, err := safetensors.ReadFile(path)
		if err != nil {
			return err
		}
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
			t, _ := f.Get(name)
			if !tensor.SameShape(t.Shape, p.Value.Shape) {
				return fmt.Errorf("%s: tensor %q has shape %v, the config implies %v", path, name, t.Shape, p.Value.Shape)
			}
			x, err := t.Float32()
			if err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
			copy(p.Value.Data, x)
			loaded[canon] = path
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

// weightFiles returns model.safetensors, or the shards of the index.
func weightFiles(dir string) ([]string, error) {
	single := filepath.Join(dir, singleFile)
	if _, err := os.Stat(single); err == nil {
		return []string{single}, nil
	}
	idx := filepath.Join(dir, indexFile)
	raw, err := fsx.ReadFile(idx)
	if err != nil {
		if os.IsNotExist(err) {
			for _, pt := range []string{"pytorch_model.bin", "pytorch_model.bin.index.json"} {
				if _, e := os.Stat(filepath.Join(dir, pt)); e == nil {
					return nil, fmt.Errorf("%s: weights are in %s (PyTorch pickle), which ssmlab does not read; convert them to %s (e.g. save_pretrained(dir, safe_serialization=True) in transformers)", dir, pt, singleFile)
				}
			}
			return nil, fmt.Errorf("%s: no %s or %s", dir, singleFile, indexFile)
		}
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
		ts = append(ts, safetensors.F32Tensor(p.Name, p.Value.Shape, p.Value.Data))
	}
	if meta == nil {
		meta = map[string]string{"format": "pt"}
	}
	return safetensors.WriteFile(filepath.Join(dir, singleFile), ts, meta)
}
