package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Names that become folder names are bounded, so a 300-character name
// fails Load (and so validate), naming the file and line, instead of
// failing a run with "file name too long".
func TestLongNamesFailLoad(t *testing.T) {
	long := strings.Repeat("a", 300)
	ok := strings.Repeat("b", MaxNameLen)
	for _, c := range []struct{ src, want string }{
		{"name = \"" + long + "\"\nkind = \"fake\"\n", `x.toml:1: name "aaaaaaaaaaaaaaaaaaaaaaaa"... is 300 bytes; at most 128`},
		{"name = \"x\"\nkind = \"fake\"\nmodel = \"" + long + "\"\n[models." + long + "]\narch = \"mamba\"\nd_model = 8\nlayers = 1\n",
			`x.toml:4: [models."aaaaaaaaaaaaaaaaaaaaaaaa"...]: the name is 300 bytes; at most 128`},
		{"name = \"x\"\nkind = \"fake\"\n[methods." + long + "]\nrank = 4\nalpha = 8.0\n", `[methods."aaaaaaaaaaaaaaaaaaaaaaaa"...]: the name is 300 bytes`},
		{"name = \"" + ok + "\"\nkind = \"fake\"\nmodel = \"" + ok + "\"\n[models." + ok + "]\narch = \"mamba\"\nd_model = 8\nlayers = 1\n", ""},
	} {
		path := filepath.Join(t.TempDir(), "x.toml")
		if err := os.WriteFile(path, []byte(c.src), 0o644); err != nil {
			t.Fatal(err)
		}
		e, err := Load(path, testOpts)
		if c.want == "" {
			if err != nil {
				t.Errorf("a %d-byte name: %v", MaxNameLen, err)
			} else if len(e.Trials) == 0 || len(e.Trials[0].Key) > maxKeyLen {
				t.Errorf("trials %v", e.Trials)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), path) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
}
