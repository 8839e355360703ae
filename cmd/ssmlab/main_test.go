package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns exit code, stdout, stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errw bytes.Buffer
	code := run(args, &out, &errw)
	return code, out.String(), errw.String()
}

func TestUnknownCommandSuggests(t *testing.T) {
	code, _, errs := runCLI(t, "verison")
	if code != 2 || !strings.Contains(errs, "did you mean version?") {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
	if strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Fatalf("want one error line, got %q", errs)
	}
}

func TestHelpListsEveryCommandAndEachHasAManual(t *testing.T) {
	code, out, _ := runCLI(t, "help")
	if code != 0 {
		t.Fatalf("help exited %d", code)
	}
	for _, n := range commandNames() {
		if !strings.Contains(out, n) {
			t.Errorf("help does not list %q", n)
		}
		c := commands[n]
		if c.Short == "" || len(c.Long) < 40 || c.Usage == "" || c.Run == nil {
			t.Errorf("command %q lacks a manual, usage or Run", n)
		}
		code, man, _ := runCLI(t, append([]string{"help"}, strings.Fields(n)...)...)
		if code != 0 || !strings.Contains(man, "usage: ssmlab "+c.Usage) {
			t.Errorf("help %s: code %d, %q", n, code, man)
		}
	}
	if code, _, errs := runCLI(t, "help", "nosuch"); code != 2 || !strings.Contains(errs, "no manual") {
		t.Errorf("help nosuch: %d %q", code, errs)
	}
}

func TestUnknownFlagSuggests(t *testing.T) {
	cmd := &Command{Name: "test-flags", Usage: "test-flags", Short: "x", Long: "a test command for flag parsing only, not registered"}
	cmd.Flag.Init("test-flags", 0)
	cmd.Flag.SetOutput(new(bytes.Buffer))
	shard := cmd.Flag.String("shard", "", "")
	force := cmd.Flag.Bool("force", false, "")
	pos, err := parseFlags(cmd, []string{"a.toml", "--shard", "0/2", "b.toml", "--force"})
	if err != nil || len(pos) != 2 || pos[1] != "b.toml" || *shard != "0/2" || !*force {
		t.Fatalf("interspersed flags: %v %v %q %v", pos, err, *shard, *force)
	}
	_, err = parseFlags(cmd, []string{"--shrad", "1/2"})
	if err == nil || !strings.Contains(err.Error(), "did you mean --shard?") {
		t.Fatalf("err = %v", err)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.Contains(out, "blas ") || !strings.Contains(out, "GOMAXPROCS=") {
		t.Fatalf("version: %d %q", code, out)
	}
}

// A command group alone, or asked for help, prints the group's manual; a
// mistyped command is suggested without the argument after it.
func TestCommandGroupsAndSuggestions(t *testing.T) {
	code, _, errs := runCLI(t, "data")
	if code != 2 || !strings.Contains(errs, "usage: ssmlab data <command>") || !strings.Contains(errs, "data info") {
		t.Errorf("ssmlab data: %d %q", code, errs)
	}
	code, out, _ := runCLI(t, "help", "data")
	if code != 0 || !strings.Contains(out, "data gen") || !strings.Contains(out, "Parquet") {
		t.Errorf("ssmlab help data: %d %q", code, out)
	}
	code, _, errs = runCLI(t, "runn", "configs/x.toml")
	if code != 2 || !strings.Contains(errs, `unknown command "runn"`) || !strings.Contains(errs, "did you mean run?") {
		t.Errorf("ssmlab runn x.toml: %d %q", code, errs)
	}
	code, _, errs = runCLI(t, "data", "catt", "x")
	if code != 2 || !strings.Contains(errs, `unknown command "data catt"`) || !strings.Contains(errs, "did you mean data cat?") {
		t.Errorf("ssmlab data catt: %d %q", code, errs)
	}
}

// A kernel setting in the environment that the kernels do not take stops
// every command in one line, before it runs (else a measurement would
// silently run the default).
func TestBadKernelEnvRefused(t *testing.T) {
	for _, c := range []struct{ env, val, want string }{
		{"SSMLAB_SPIN_US", "2ms", "SSMLAB_SPIN_US=\"2ms\" is not a whole number of microseconds"},
		{"SSMLAB_SPIN_US", "-1", "SSMLAB_SPIN_US=\"-1\""},
		{"SSMLAB_SGEMM", "avx9", "SSMLAB_SGEMM=\"avx9\" names no GEMM kernel"},
	} {
		t.Run(c.env+"="+c.val, func(t *testing.T) {
			t.Setenv(c.env, c.val)
			code, out, errs := runCLI(t, "version")
			if code != 2 || out != "" || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Fatalf("code %d, stdout %q, stderr %q; want exit 2 and one line with %q", code, out, errs, c.want)
			}
		})
	}
	t.Setenv("SSMLAB_SPIN_US", "0")
	if code, _, errs := runCLI(t, "version"); code != 0 {
		t.Fatalf("SSMLAB_SPIN_US=0: exit %d, %q", code, errs)
	}
}
