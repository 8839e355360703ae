package config

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/BurntSushi/toml"
	"github.com/ssmlab/ssmlab/internal/suggest"
)

// Options tell Load what the caller knows beyond the file.
type Options struct {
	// Profile is "", quick, default, full or gpu; "" and default apply
	// [profile.default] if the file has one.
	Profile string
	// Kinds are the registered kind names; nil skips the check.
	Kinds []string
	// Sets are command-line overrides "key=value" (TOML values), merged
	// last, each strict-checked like a file.
	Sets []string
	// Params returns a new pointer to the params struct of kind, holding the
	// kind's defaults (a pointer to an empty struct if it takes none). Nil:
	// [params] is decoded into a map and not checked.
	Params func(kind string) any
}

// Experiment is a loaded file: its settings after defaults, includes and
// the profile, and its trials.
type Experiment struct {
	File    string // the file as given to Load
	Profile string // the profile applied
	// Preset is true for a file without a kind (a file meant to be
	// included): it was strict-checked but has no trials.
	Preset bool
	Settings
	Params any
	Trials []Trial
	// Values are the resolved settings (before the sweep), each with its
	// source, for validate --print.
	Values []Value
	// Outside lists the includes of files outside the experiment file's
	// tree (absolute includes), one line each, for validate to show.
	Outside []string
	// ProfileMissing is set when Profile is opt-in (OptInProfiles) and the
	// file has no [profile.NAME] table of its own: the profile is not
	// meant for this experiment.
	ProfileMissing bool
}

// Load reads, strict-checks, merges and expands an experiment file (or
// checks a preset). Every error names the file and line to fix.
func Load(path string, opt Options) (*Experiment, error) {
	if opt.Profile == "" {
		opt.Profile = "default"
	}
	if !contains(Profiles, opt.Profile) {
		return nil, fmt.Errorf("unknown profile %q (want one of %v)%s", opt.Profile, Profiles, suggest.Hint(opt.Profile, Profiles))
	}
	var outside []string
	layers, err := readLayers(path, treeRoot(path), nil, &outside)
	if err != nil {
		return nil, err
	}
	def := &layer{file: DefaultsFile, src: defaultsTOML, raw: map[string]any{}}
	if _, err := toml.Decode(string(defaultsTOML), &def.raw); err != nil {
		panic("defaults.toml: " + err.Error())
	}
	for _, a := range opt.Sets {
		l, err := setLayer(a)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
	}
	mg, err := mergeLayers(def, layers, path, opt.Profile, len(opt.Sets))
	if err != nil {
		return nil, err
	}
	kind, _ := mg.m["kind"].(string)
	newParams, err := paramsFor(mg, path, kind, opt)
	if err != nil {
		return nil, err
	}
	for _, l := range layers {
		if err := strict(l, newParams); err != nil {
			return nil, err
		}
	}
	e := &Experiment{File: path, Profile: opt.Profile, Preset: kind == "", Outside: outside, Values: mg.values(path)}
	if contains(OptInProfiles, opt.Profile) {
		profs, _ := layers[len(layers)-len(opt.Sets)-1].raw["profile"].(map[string]any)
		_, defined := profs[opt.Profile]
		e.ProfileMissing = !defined
	}
	if e.Settings, e.Params, err = decode(mg, path, newParams); err != nil {
		return nil, err
	}
	if err := checkSettings(&e.Settings, mg, path); err != nil {
		return nil, err
	}
	if e.Preset {
		return e, nil
	}
	if e.Trials, err = expand(e, mg, newParams); err != nil {
		return nil, err
	}
	return e, nil
}

// paramsFor checks kind and returns the constructor of its params.
func paramsFor(mg *merged, path, kind string, opt Options) (func() any, error) {
	if kind == "" {
		if _, named := mg.m["name"]; named {
			return nil, mg.errAt(path, []string{"name"}, "an experiment needs kind (one of %v)", opt.Kinds)
		}
		return nil, nil
	}
	if opt.Kinds != nil && !contains(opt.Kinds, kind) {
		return nil, mg.errAt(path, []string{"kind"}, "unknown kind %q (registered: %v)%s", kind, opt.Kinds, suggest.Hint(kind, opt.Kinds))
	}
	if opt.Params == nil {
		return func() any { return &map[string]any{} }, nil
	}
	return func() any { return opt.Params(kind) }, nil
}

// mergeLayers merges the layers of a load in precedence order, lowest
// first:
//
//	defaults < the presets (in include order) < the presets' [profile.NAME]
//	  < the file < the file's [profile.NAME] < --set (sets, the last layers)
//
// so a value the user's own file sets is never replaced by a preset's
// profile section (a preset's quick eval shots do not beat the shots the
// experiment asks for), while the file's own profile section still has
// the last word.
func mergeLayers(def *layer, layers []*layer, path, profile string, sets int) (*merged, error) {
	all := append([]*layer{def}, layers...)
	for _, l := range all {
		if err := checkProfiles(l); err != nil {
			return nil, err
		}
	}
	mg := newMerged()
	plain := func(l *layer) {
		mg.add(without(l.raw, "profile", "include"), nil, func(rel []string) origin { return origin{l, rel} })
	}
	section := func(l *layer) {
		profs, _ := l.raw["profile"].(map[string]any)
		p, _ := profs[profile].(map[string]any)
		mg.add(p, nil, func(rel []string) origin { return origin{l, append([]string{"profile", profile}, rel...)} })
	}
	cli := all[len(all)-sets:]
	all = all[:len(all)-sets]
	top := all[len(all)-1]
	for _, l := range all[:len(all)-1] {
		plain(l)
	}
	for _, l := range all[:len(all)-1] {
		section(l)
	}
	plain(top)
	section(top)
	for _, l := range cli {
		plain(l)
	}
	return mg, nil
}

// checkProfiles checks a layer's [profile] tables: known names, and no
// name or kind inside.
func checkProfiles(l *layer) error {
	profs, _ := l.raw["profile"].(map[string]any)
	names := make([]string, 0, len(profs))
	for n := range profs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !contains(Profiles, n) {
			return errAt(l.file, l.src, []string{"profile", n}, "unknown profile %q (want one of %v)%s", n, Profiles, suggest.Hint(n, Profiles))
		}
		p, _ := profs[n].(map[string]any)
		for _, k := range []string{"name", "kind"} {
			if _, ok := p[k]; ok {
				return errAt(l.file, l.src, []string{"profile", n, k}, "a profile cannot change %s", k)
			}
		}
	}
	return nil
}

// without returns t less the named top-level keys (t is not changed).
func without(t map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(t))
	for k, v := range t {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// decode turns the merged table into Settings and params. Each file was
// type-checked already, so an error here comes from a sweep or profile
// value and is pointed at the key that set it.
func decode(mg *merged, path string, newParams func() any) (Settings, any, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(mg.m); err != nil {
		return Settings{}, nil, &Error{File: path, Msg: err.Error()}
	}
	var f File
	md, err := toml.Decode(buf.String(), &f)
	if err == nil && newParams != nil {
		params := newParams()
		if err = md.PrimitiveDecode(f.Params, params); err == nil {
			return f.Settings, params, nil
		}
	}
	if err != nil {
		e, key := tomlError(path, nil, err)
		return Settings{}, nil, mg.errAt(path, splitKey(key), "%s", e.Msg)
	}
	return f.Settings, nil, nil
}
