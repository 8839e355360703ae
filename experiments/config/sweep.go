package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"

	"github.com/ssmlab/ssmlab/internal/suggest"
)

// sweepAxis is one [sweep] axis: the dotted path it sets and its values.
type sweepAxis struct {
	path   []string
	values []any
}

func (a sweepAxis) name() string { return strings.Join(a.path, ".") }

// axes flattens [sweep] (nested tables allowed) into axes in key order and
// checks each path names a scalar key of the schema.
func axes(mg *merged, top string, params reflect.Type) ([]sweepAxis, error) {
	sw, _ := mg.m["sweep"].(map[string]any)
	var out []sweepAxis
	var walk func(t map[string]any, prefix []string) error
	walk = func(t map[string]any, prefix []string) error {
		for k, v := range t {
			p := append(append([]string{}, prefix...), k)
			if sub, ok := v.(map[string]any); ok {
				if err := walk(sub, p); err != nil {
					return err
				}
				continue
			}
			vals, ok := v.([]any)
			at := append([]string{"sweep"}, p...)
			if !ok || len(vals) == 0 {
				return mg.errAt(top, at, "sweep axis %s must be a non-empty array of values", strings.Join(p, "."))
			}
			if err := checkAxisPath(p, params); err != nil {
				return mg.errAt(top, at, "sweep axis %s: %v", strings.Join(p, "."), err)
			}
			seen := map[string]bool{}
			for _, x := range vals {
				s := FormatValue(x)
				if seen[s] {
					return mg.errAt(top, at, "sweep axis %s lists %s twice", strings.Join(p, "."), s)
				}
				seen[s] = true
			}
			out = append(out, sweepAxis{p, vals})
		}
		return nil
	}
	if err := walk(sw, nil); err != nil {
		return nil, err
	}
	names := make([]string, len(out))
	byName := map[string]sweepAxis{}
	for i, a := range out {
		names[i] = a.name()
		byName[a.name()] = a
	}
	sortAxes(names)
	for i, n := range names {
		out[i] = byName[n]
	}
	return out, nil
}

var textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()

// checkAxisPath reports why path cannot be swept, or nil.
func checkAxisPath(path []string, params reflect.Type) error {
	switch path[0] {
	case "name", "kind", "description", "include", "sweep", "profile":
		return fmt.Errorf("%s cannot be swept", path[0])
	}
	if path[0] == "params" && (params == nil || (params.Kind() == reflect.Pointer && params.Elem().Kind() == reflect.Map)) {
		return nil // no kind to say what [params] holds (config-only loading); the kind's load checks it
	}
	parent := typeAt(reflect.TypeOf(File{}), path[:len(path)-1], params)
	if parent == nil {
		if len(path) > 1 {
			pt := typeAt(reflect.TypeOf(File{}), path[:len(path)-2], params)
			if pt != nil && fieldType(pt, path[len(path)-2]) != nil && fieldType(pt, path[len(path)-2]).Kind() == reflect.Map {
				return fmt.Errorf("sweep a key of one entry, e.g. %s.NAME.KEY", strings.Join(path[:len(path)-1], "."))
			}
		}
		return fmt.Errorf("no such key")
	}
	last := path[len(path)-1]
	ft := fieldType(parent, last)
	if ft == nil {
		names := make([]string, 0)
		for n := range tomlFields(parent) {
			names = append(names, n)
		}
		return fmt.Errorf("no such key%s", suggest.Hint(last, names))
	}
	if reflect.PointerTo(ft).Implements(textUnmarshaler) {
		return nil
	}
	switch ft.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64, reflect.Float32, reflect.Int32:
		return nil
	}
	return fmt.Errorf("only single values (strings, numbers, booleans) can be swept; %s is a %s", last, ft.Kind())
}

// fieldType is the type of key in struct t, or nil.
func fieldType(t reflect.Type, key string) reflect.Type {
	return tomlFields(t)[key]
}

// expand makes one trial per point of the sweep, the first axis varying
// slowest, each with the sweep values written into the merged settings
// and checked as if the file had said them.
func expand(e *Experiment, mg *merged, newParams func() any) ([]Trial, error) {
	var ptype reflect.Type
	if newParams != nil {
		ptype = reflect.TypeOf(newParams())
	}
	ax, err := axes(mg, e.File, ptype)
	if err != nil {
		return nil, err
	}
	n := 1
	for _, a := range ax {
		n *= len(a.values)
	}
	trials := make([]Trial, 0, n)
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		point, rest := make([]Axis, len(ax)), i
		for j := len(ax) - 1; j >= 0; j-- {
			point[j] = Axis{ax[j].name(), ax[j].values[rest%len(ax[j].values)]}
			rest /= len(ax[j].values)
		}
		t, err := trialAt(mg, e.File, ax, point, newParams, i)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[t.Key]; dup {
			return nil, mg.errAt(e.File, []string{"sweep"}, "trials %d and %d have the same key %q; make the axis values differ in letters and digits", j, i, t.Key)
		}
		seen[t.Key] = i
		trials = append(trials, t)
	}
	return trials, nil
}

// trialAt resolves one sweep point.
func trialAt(mg *merged, top string, ax []sweepAxis, point []Axis, newParams func() any, i int) (Trial, error) {
	tm := mg.clone()
	delete(tm.m, "sweep")
	for j, a := range ax {
		parent := tm.table(a.path[:len(a.path)-1])
		parent[a.path[len(a.path)-1]] = point[j].Value
		tm.origins[pathKey(a.path)] = mg.origins[pathKey(append([]string{"sweep"}, a.path...))]
	}
	s, params, err := decode(tm, top, newParams)
	if err != nil {
		return Trial{}, err
	}
	if err := checkSettings(&s, tm, top); err != nil {
		return Trial{}, err
	}
	return newTrial(&s, params, point, i), nil
}
