package mamba

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// reader reads typed keys of one JSON object (config.json or its nested
// ssm_cfg), keeping the first error; messages name the file and key.
type reader struct {
	path   string
	prefix string // "ssm_cfg." for the nested object
	raw    map[string]json.RawMessage
	err    error
	root   *reader
}

// src is one spelling of a setting: a key of a reader.
type src struct {
	r   *reader
	key string
}

func (r *reader) fail(format string, a ...any) {
	root := r
	if r.root != nil {
		root = r.root
	}
	if root.err == nil {
		root.err = fmt.Errorf("%s: %s", r.path, fmt.Sprintf(format, a...))
	}
}

// sub returns a reader of the nested object under key (empty if absent).
func (r *reader) sub(key string) *reader {
	s := &reader{path: r.path, prefix: r.prefix + key + ".", raw: map[string]json.RawMessage{}, root: r}
	if v, ok := r.raw[key]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		if err := json.Unmarshal(v, &s.raw); err != nil {
			r.fail("%s%s is not a JSON object", r.prefix, key)
		}
	}
	return s
}

func (s src) lookup() (json.RawMessage, bool) {
	v, ok := s.r.raw[s.key]
	if ok && bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		return nil, false
	}
	return v, ok
}

// get sets *dst from the first present spelling; spellings that are both
// present must agree. A missing required setting is an error.
func get[T any](r *reader, dst *T, required bool, srcs ...src) {
	var first *src
	var val T
	for i := range srcs {
		s := srcs[i]
		v, ok := s.lookup()
		if !ok {
			continue
		}
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			r.fail("%s%s: %s is not a %T", s.r.prefix, s.key, v, x)
			return
		}
		if first == nil {
			first, val = &srcs[i], x
			continue
		}
		a, _ := json.Marshal(val)
		b, _ := json.Marshal(x)
		if !bytes.Equal(a, b) {
			r.fail("%s%s = %s and %s%s = %s disagree", first.r.prefix, first.key, a, s.r.prefix, s.key, b)
			return
		}
	}
	if first != nil {
		*dst = val
	} else if required {
		var names []string
		for _, s := range srcs {
			names = append(names, s.r.prefix+s.key)
		}
		alt := ""
		if len(names) > 1 {
			alt = " (or " + strings.Join(names[1:], ", ") + ")"
		}
		r.fail("missing %s%s", names[0], alt)
	}
}

// rank reads time_step_rank / ssm_cfg.dt_rank: a positive integer or
// "auto", which resolves to ceil(d/16) (also when absent).
func (r *reader) rank(d int, srcs ...src) int {
	auto := (d + 15) / 16
	out := 0
	seen := ""
	for _, s := range srcs {
		v, ok := s.lookup()
		if !ok {
			continue
		}
		var n int
		var str string
		switch {
		case json.Unmarshal(v, &n) == nil && n > 0:
		case json.Unmarshal(v, &str) == nil && str == "auto":
			n = auto
		default:
			r.fail("%s%s: %s is neither a positive integer nor \"auto\"", s.r.prefix, s.key, v)
			return 0
		}
		if seen != "" && n != out {
			r.fail("%s and %s%s disagree", seen, s.r.prefix, s.key)
			return 0
		}
		out, seen = n, s.r.prefix+s.key
	}
	if seen == "" {
		return auto
	}
	return out
}
