// Command ssmlab is the one binary of the ssmlab harness: it trains and
// evaluates Mamba, LoRA-Mamba and Transformer models under fp32/fp16/bf16,
// measures Lyapunov exponents, in-context learning and divergence, and
// rebuilds the figures, tables and report of the reproduction.
//
// Each command lives in its own file and registers itself in init; its long
// help text is its manual (`ssmlab help <command>`).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/internal/membudget"
	"github.com/ssmlab/ssmlab/internal/suggest"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Command is one subcommand.
type Command struct {
	Name  string // as typed; may contain a space for subcommands ("data cat")
	Usage string // the usage line after "ssmlab "
	Short string // one line for the command list
	Long  string // the manual: what it reads, what it writes, an example
	Flag  flag.FlagSet
	// Run executes the command with the positional arguments left after flags.
	Run func(cmd *Command, args []string) error
}

var commands = map[string]*Command{}

func register(c *Command) {
	if _, dup := commands[c.Name]; dup {
		panic("duplicate command " + c.Name)
	}
	c.Flag.Init(c.Name, flag.ContinueOnError)
	c.Flag.SetOutput(io.Discard)
	commands[c.Name] = c
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// usageError marks an error in how the command was called (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

var (
	stdout io.Writer = os.Stdout
	stderr io.Writer = os.Stderr // progress and notices; errors go through run's return
)

// run dispatches args and returns the exit code: 0 ok, 1 failure, 2 usage,
// 3 internal error. No Go panic trace reaches the user unless SSMLAB_TRACE is set.
func run(args []string, out, errw io.Writer) (code int) {
	stdout, stderr = out, errw
	name := "ssmlab"
	defer func() {
		if r := recover(); r != nil {
			if os.Getenv("SSMLAB_TRACE") != "" {
				fmt.Fprintf(errw, "%s: internal error: %v\n%s", name, r, debug.Stack())
			} else {
				fmt.Fprintf(errw, "%s: internal error: %v (this is a bug; SSMLAB_TRACE=1 shows the stack)\n", name, r)
			}
			code = 3
		}
	}()
	membudget.LimitGC()
	if err := tensor.CheckEnv(); err != nil {
		fmt.Fprintf(errw, "%s: %v\n", name, err)
		return 2
	}
	if len(args) == 0 {
		printUsage(errw)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		args = []string{"help"}
	}
	cmd, rest := lookup(args)
	if cmd == nil && isGroup(args[0]) && (len(args) == 1 || strings.HasPrefix(args[1], "-")) {
		printGroupHelp(errw, args[0])
		return 2
	}
	if cmd == nil {
		fmt.Fprintf(errw, "ssmlab: unknown command %q%s; run 'ssmlab help' for the list\n",
			unknownName(args), suggest.Hint(unknownName(args), commandNames()))
		return 2
	}
	name = "ssmlab " + cmd.Name
	// Flags live in package variables; reset them so that in-process calls
	// (tests) do not inherit the previous call's values.
	cmd.Flag.VisitAll(func(f *flag.Flag) { f.Value.Set(f.DefValue) })
	pos, err := parseFlags(cmd, rest)
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(out, cmd)
		return 0
	}
	if err == nil {
		err = cmd.Run(cmd, pos)
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(errw, "%s: %v\nusage: ssmlab %s\n", name, err, cmd.Usage)
			return 2
		}
		fmt.Fprintf(errw, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// unknownName is the command a user tried to type: "data catt" for a
// group's subcommand, else the first word alone (not the file after it).
func unknownName(args []string) string {
	if isGroup(args[0]) && len(args) > 1 {
		return args[0] + " " + args[1]
	}
	return args[0]
}

// isGroup reports whether name is the first word of subcommands ("data").
func isGroup(name string) bool {
	for n := range commands {
		if strings.HasPrefix(n, name+" ") {
			return true
		}
	}
	return false
}

// lookup finds the longest registered command name that prefixes args
// ("data cat" before "data").
func lookup(args []string) (*Command, []string) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:]
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:]
	}
	return nil, nil
}

// parseFlags parses flags wherever they appear among the arguments (so
// `ssmlab run FILE --shard 0/2` works) and returns the positional ones.
// An unknown flag gets a did-you-mean from the command's own flags.
func parseFlags(cmd *Command, args []string) ([]string, error) {
	var pos []string
	// flags keep their values between in-process runs (tests): reset them
	cmd.Flag.VisitAll(func(f *flag.Flag) { f.Value.Set(f.DefValue) })
	for {
		if err := cmd.Flag.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			var known []string
			cmd.Flag.VisitAll(func(f *flag.Flag) { known = append(known, "--"+f.Name) })
			msg := err.Error()
			if bad, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
				bad = "--" + strings.TrimLeft(bad, "-")
				msg = "unknown flag " + bad + suggest.Hint(bad, known)
			}
			return nil, usageError{msg}
		}
		args = cmd.Flag.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
