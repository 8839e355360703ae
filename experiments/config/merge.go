package config

import (
	"fmt"
	"strings"
)

// origin is where a merged value was written: a file and the key's path in it.
type origin struct {
	l   *layer
	key []string
}

// merged is the key-by-key union of layers, remembering for every key the
// file and line that set it last, so errors found after merging still point
// at the place to fix.
type merged struct {
	m       map[string]any
	origins map[string]origin
}

func newMerged() *merged { return &merged{m: map[string]any{}, origins: map[string]origin{}} }

func pathKey(p []string) string { return strings.Join(p, "\x1f") }

// add merges src into the table at dst: tables merge recursively, any other
// value replaces what was there. originOf says where a key of src (relative
// to src) was written.
func (mg *merged) add(src map[string]any, dst []string, originOf func(rel []string) origin) {
	mg.addAt(mg.table(dst), src, dst, nil, originOf)
}

func (mg *merged) addAt(into, src map[string]any, dst, rel []string, originOf func([]string) origin) {
	for k, v := range src {
		p := append(append([]string{}, dst...), k)
		r := append(append([]string{}, rel...), k)
		if _, seen := mg.origins[pathKey(p)]; !seen {
			mg.origins[pathKey(p)] = originOf(r)
		}
		if sub, ok := v.(map[string]any); ok {
			cur, ok := into[k].(map[string]any)
			if !ok {
				cur = map[string]any{}
				into[k] = cur
			}
			mg.addAt(cur, sub, p, r, originOf)
			continue
		}
		mg.origins[pathKey(p)] = originOf(r)
		into[k] = v
	}
}

// table returns the table at path, creating empty ones on the way.
func (mg *merged) table(path []string) map[string]any {
	t := mg.m
	for _, k := range path {
		sub, ok := t[k].(map[string]any)
		if !ok {
			sub = map[string]any{}
			t[k] = sub
		}
		t = sub
	}
	return t
}

// errAt makes an Error at the place that set path (or its nearest parent
// that was written down). Without any, it names the top-level file.
func (mg *merged) errAt(top string, path []string, format string, a ...any) *Error {
	for p := path; len(p) > 0; p = p[:len(p)-1] {
		if o, ok := mg.origins[pathKey(p)]; ok && o.l != nil {
			return errAt(o.l.file, o.l.src, o.key, format, a...)
		}
	}
	return &Error{File: top, Msg: fmt.Sprintf(format, a...)}
}

// clone returns a deep copy of m, sharing no table, with the same origins.
func (mg *merged) clone() *merged {
	c := &merged{m: copyTable(mg.m), origins: make(map[string]origin, len(mg.origins))}
	for k, v := range mg.origins {
		c.origins[k] = v
	}
	return c
}

func copyTable(t map[string]any) map[string]any {
	out := make(map[string]any, len(t))
	for k, v := range t {
		if sub, ok := v.(map[string]any); ok {
			v = copyTable(sub)
		}
		out[k] = v
	}
	return out
}
