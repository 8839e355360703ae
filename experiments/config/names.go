package config

import "fmt"

// MaxNameLen bounds the names that become folder and file names: an
// experiment's name (results/runs/<name>/), and the names of models,
// methods and datasets (in trial keys and artifact folders, where several
// are joined with a hash). A file name has at most 255 bytes; 128 leaves
// room for what ssmlab adds (".<key>.lock", ".summary.json.tmp<digits>",
// "-<hash>") and keeps paths far below the 4096-byte limit. Trial keys are
// cut to maxKeyLen by Key.
const MaxNameLen = 128

// checkNameLengths refuses names longer than MaxNameLen, so that a long
// name fails validate instead of a run ("file name too long").
func checkNameLengths(s *Settings, at func(...string) func(string, ...any) error) error {
	if s.Kind != "" && len(s.Name) > MaxNameLen {
		return at("name")("name %s is %d bytes; at most %d (it names results/runs/<name>/)", short(s.Name), len(s.Name), MaxNameLen)
	}
	for _, g := range []struct {
		sec   string
		names []string
	}{{"models", sortedKeys(s.Models)}, {"methods", sortedKeys(s.Methods)}, {"data", sortedKeys(s.Data)}} {
		for _, n := range g.names {
			if len(n) > MaxNameLen {
				return at(g.sec, n)("[%s.%s]: the name is %d bytes; at most %d (names become parts of folder names)", g.sec, short(n), len(n), MaxNameLen)
			}
		}
	}
	return nil
}

// short quotes s, cut to its first 24 bytes.
func short(s string) string {
	if len(s) > 24 {
		return fmt.Sprintf("%q...", s[:24])
	}
	return fmt.Sprintf("%q", s)
}
