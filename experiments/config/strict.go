package config

import (
	"reflect"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/ssmlab/ssmlab/internal/suggest"
	"github.com/ssmlab/ssmlab/models"
)

// strict decodes one file against the schema and reports its first
// problem: a wrong type or an unknown key, with the file's line and a
// did-you-mean. newParams makes the kind's params value; nil means the
// kind is not known here and [params] is not checked.
func strict(l *layer, newParams func() any) error {
	var f File
	md, err := toml.Decode(string(l.src), &f)
	if err != nil {
		e, _ := tomlError(l.file, l.src, err)
		return e
	}
	if newParams != nil {
		prims := []toml.Primitive{f.Params}
		for _, o := range f.Profile {
			prims = append(prims, o.Params)
		}
		for _, p := range prims {
			if err := md.PrimitiveDecode(p, newParams()); err != nil {
				e, _ := tomlError(l.file, l.src, err)
				return e
			}
		}
	}
	var ptype reflect.Type
	if newParams != nil {
		ptype = reflect.TypeOf(newParams())
	}
	// Params decoded into a map (a kind not known here) leave the keys of
	// nested tables undecoded; like nil params, they cannot be judged.
	mapParams := ptype != nil && ptype.Kind() == reflect.Pointer && ptype.Elem().Kind() == reflect.Map
	for _, k := range md.Undecoded() {
		if ignoredKey(k, newParams == nil || mapParams) {
			continue
		}
		last := k[len(k)-1]
		return errAt(l.file, l.src, k, "unknown key %q %s%s", last, section(k), suggest.Hint(last, knownKeys(k, ptype)))
	}
	return zeroSize(l, md.Keys())
}

// specKeys are the size keys of a [models.NAME] table (models.Spec).
var specKeys = tomlFields(reflect.TypeOf(models.Spec{}))

// zeroSize reports a size key of a models table written as 0. A zero size
// in the decoded spec means "the architecture's default", so an explicit
// `d_state = 0` would silently build a model of another size; the key must
// be left out instead.
func zeroSize(l *layer, keys []toml.Key) error {
	for _, k := range keys {
		n := len(k)
		if n < 3 || k[n-3] != "models" {
			continue
		}
		if _, ok := specKeys[k[n-1]]; !ok {
			continue
		}
		var v any = l.raw
		for _, part := range k {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[part]
		}
		switch x := v.(type) {
		case int64:
			if x != 0 {
				continue
			}
		case float64:
			if x != 0 {
				continue
			}
		default:
			continue
		}
		return errAt(l.file, l.src, k, "%s = 0 is not a size; leave the key out to get the architecture's default", strings.Join(k, "."))
	}
	return nil
}

// ignoredKey reports keys strict does not judge: the axes under [sweep]
// (checked when the sweep is expanded) and, without a kind, [params].
func ignoredKey(k toml.Key, noKind bool) bool {
	if len(k) > 2 && k[0] == "sweep" {
		return true
	}
	if len(k) > 4 && k[0] == "profile" && k[2] == "sweep" {
		return true
	}
	return noKind && underParams(k)
}

func underParams(k toml.Key) bool {
	return (len(k) > 1 && k[0] == "params") || (len(k) > 3 && k[0] == "profile" && k[2] == "params")
}

var primitiveType = reflect.TypeOf(toml.Primitive{})

// knownKeys lists the keys the schema allows in the table that holds key.
func knownKeys(key []string, params reflect.Type) []string {
	t := typeAt(reflect.TypeOf(File{}), key[:len(key)-1], params)
	if t == nil {
		return nil
	}
	var names []string
	for n := range tomlFields(t) {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// typeAt walks the schema type t along path; nil if there is no struct there.
func typeAt(t reflect.Type, path []string, params reflect.Type) reflect.Type {
	for _, k := range path {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case t == nil:
			return nil
		case t == primitiveType:
			t = params
			if t == nil {
				return nil
			}
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			t = tomlFields(t)[k]
		case t.Kind() == reflect.Struct:
			t = tomlFields(t)[k]
		case t.Kind() == reflect.Map:
			t = t.Elem()
		default:
			return nil
		}
	}
	if t == primitiveType {
		t = params
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

// tomlFields maps the TOML names of a struct's fields (embedded structs
// flattened) to their types.
func tomlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for n, ft := range tomlFields(f.Type) {
				out[n] = ft
			}
			continue
		}
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
