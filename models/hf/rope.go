package hf

import "fmt"

// RopeKeys are the config.json keys HF has used for rotary settings over
// the years: transformers 5 writes rope_parameters {rope_theta,
// partial_rotary_factor, rope_type}; 4.x wrote rope_theta and rope_scaling
// at the top level; GPT-NeoX configs wrote rotary_emb_base and rotary_pct.
type RopeKeys struct {
	RopeParameters      map[string]any `json:"rope_parameters"`
	RopeScaling         map[string]any `json:"rope_scaling"`
	RopeTheta           *float64       `json:"rope_theta"`
	RotaryEmbBase       *float64       `json:"rotary_emb_base"`
	PartialRotaryFactor *float64       `json:"partial_rotary_factor"`
	RotaryPct           *float64       `json:"rotary_pct"`
}

// Resolve returns rope_theta and partial_rotary_factor the way
// transformers 5 does (rope_scaling, else rope_parameters, filled in from
// the top-level keys, else the defaults). Only rope_type "default" is
// implemented; any other is an error.
func (k RopeKeys) Resolve(defTheta, defPartial float64) (theta, partial float64, err error) {
	p := k.RopeScaling
	if len(p) == 0 {
		p = k.RopeParameters
	}
	typ := "default"
	for _, key := range []string{"rope_type", "type"} {
		if v, ok := p[key]; ok {
			s, isStr := v.(string)
			if !isStr {
				return 0, 0, fmt.Errorf("rope %s %v is not a string", key, v)
			}
			typ = s
			break
		}
	}
	if typ != "default" {
		return 0, 0, fmt.Errorf("rope_type %q is not implemented (only \"default\" rotary embeddings are)", typ)
	}
	theta, err = firstFloat(p, "rope_theta", defTheta, k.RopeTheta, k.RotaryEmbBase)
	if err != nil {
		return 0, 0, err
	}
	partial, err = firstFloat(p, "partial_rotary_factor", defPartial, k.PartialRotaryFactor, k.RotaryPct)
	return theta, partial, err
}

// firstFloat returns params[key] if present, else the first non-nil of
// tops, else def.
func firstFloat(params map[string]any, key string, def float64, tops ...*float64) (float64, error) {
	if v, ok := params[key]; ok {
		f, isNum := v.(float64)
		if !isNum {
			return 0, fmt.Errorf("rope %s %v is not a number", key, v)
		}
		return f, nil
	}
	for _, t := range tops {
		if t != nil {
			return *t, nil
		}
	}
	return def, nil
}
