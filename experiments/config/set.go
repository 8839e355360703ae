package config

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// setPrefix starts the file name of a command-line layer ("--set k=v").
const setPrefix = "--set "

// setLayer turns one command-line override "key=value" into a layer, the
// value written in TOML (eval.shots=[0,1], train.steps=200,
// precision="bf16"); a bare word that is not TOML (model=mamba-s) is read
// as a string.
func setLayer(arg string) (*layer, error) {
	k, v, ok := strings.Cut(arg, "=")
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	if !ok || k == "" || v == "" {
		return nil, &Error{File: setPrefix + arg, Msg: "want key=value with a TOML value, e.g. --set eval.shots=[0,1] or --set train.steps=200"}
	}
	l := &layer{file: setPrefix + arg, raw: map[string]any{}}
	l.src = []byte(k + " = " + v + "\n")
	if _, err := toml.Decode(string(l.src), &l.raw); err != nil {
		if strings.ContainsAny(v, "\"'[]{}=") {
			return nil, &Error{File: l.file, Msg: fmt.Sprintf("%s is not a TOML value (strings in quotes, arrays in [ ])", v)}
		}
		l.src = []byte(k + " = " + fmt.Sprintf("%q", v) + "\n")
		l.raw = map[string]any{}
		if _, err := toml.Decode(string(l.src), &l.raw); err != nil {
			e, _ := tomlError(l.file, nil, err)
			return nil, e
		}
	}
	for _, key := range []string{"include", "profile"} {
		if _, ok := l.raw[key]; ok {
			return nil, &Error{File: l.file, Msg: key + " cannot be set from the command line (--set the key itself: the command line wins over every profile)"}
		}
	}
	return l, nil
}

// Value is one resolved leaf of a loaded file: its dotted key, its value
// in TOML and where it came from.
type Value struct {
	Key    string
	TOML   string
	Source string // default, include FILE, file FILE, profile NAME (FILE), command line (--set ...)
}

// values lists the leaves of the merged table in key order with their
// sources; top is the experiment file.
func (mg *merged) values(top string) []Value {
	var out []Value
	var walk func(t map[string]any, prefix []string)
	walk = func(t map[string]any, prefix []string) {
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := append(append([]string{}, prefix...), k)
			if sub, ok := t[k].(map[string]any); ok && len(sub) > 0 {
				walk(sub, p)
				continue
			}
			out = append(out, Value{Key: joinKey(p), TOML: tomlValue(t[k]), Source: mg.source(p, top)})
		}
	}
	walk(mg.m, nil)
	return out
}

// source describes where the value at path was set.
func (mg *merged) source(path []string, top string) string {
	o, ok := mg.origins[pathKey(path)]
	if !ok || o.l == nil {
		return "default"
	}
	line := ""
	if n := locate(o.l.src, o.key); n > 0 {
		line = fmt.Sprintf(":%d", n)
	}
	switch {
	case strings.HasPrefix(o.l.file, setPrefix):
		return "command line (" + o.l.file + ")"
	case o.l.file == DefaultsFile:
		return "default (" + DefaultsFile + line + ")"
	case len(o.key) > 1 && o.key[0] == "profile":
		return fmt.Sprintf("profile %s (%s%s)", o.key[1], o.l.file, line)
	case o.l.file == top:
		return "file (" + o.l.file + line + ")"
	}
	return "include (" + o.l.file + line + ")"
}

// joinKey writes a dotted key, quoting parts that are not bare keys.
func joinKey(p []string) string {
	parts := make([]string, len(p))
	for i, k := range p {
		parts[i] = k
		if k == "" || strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
			parts[i] = fmt.Sprintf("%q", k)
		}
	}
	return strings.Join(parts, ".")
}

// tomlValue writes one value as TOML text.
func tomlValue(v any) string {
	if t, ok := v.(map[string]any); ok && len(t) == 0 {
		return "{}"
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(map[string]any{"v": v}); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSpace(buf.String())
	return strings.TrimSpace(strings.TrimPrefix(s, "v ="))
}
