package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ssmlab/ssmlab/internal/suggest"
)

var cmdHelp = &Command{
	Name:  "help",
	Usage: "help [command]",
	Short: "show the command list or one command's manual",
	Long: `Help prints the list of commands, or the manual of one command: what it
reads, what it writes, its flags and an example.

Example:
  ssmlab help forward`,
}

func init() {
	cmdHelp.Run = runHelp
	register(cmdHelp)
}

func runHelp(_ *Command, args []string) error {
	if len(args) == 0 {
		printUsage(stdout)
		return nil
	}
	c, rest := lookup(args)
	if c == nil && len(args) == 1 && isGroup(args[0]) {
		printGroupHelp(stdout, args[0])
		return nil
	}
	if c == nil || len(rest) > 0 {
		return usagef("no manual for %q%s", strings.Join(args, " "), suggest.Hint(args[0], commandNames()))
	}
	printCommandHelp(stdout, c)
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `ssmlab: a harness for the numerical stability of state-space models
(a reproduction of "Mamba State-Space Models Are Lyapunov-Stable Learners").

Usage: ssmlab <command> [flags] [arguments]

Commands:
`)
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].Short)
	}
	fmt.Fprint(w, "\nRun 'ssmlab help <command>' for a command's manual.\n")
}

func printCommandHelp(w io.Writer, c *Command) {
	fmt.Fprintf(w, "usage: ssmlab %s\n\n%s\n", c.Usage, strings.TrimSpace(c.Long))
	var any bool
	c.Flag.VisitAll(func(f *flag.Flag) {
		if !any {
			fmt.Fprint(w, "\nFlags:\n")
			any = true
		}
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%-28s %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// groupManuals introduce command groups; each subcommand has its own.
var groupManuals = map[string]string{
	"data": `The data commands read datasets where they already are (Arrow IPC
streams or files, Parquet files, HF save_to_disk or cache folders, folders
of hub Parquet shards) and generate the built-in task suite as Arrow files.`,
}

// printGroupHelp prints a group's manual: its introduction and the usage
// and summary of each subcommand.
func printGroupHelp(w io.Writer, group string) {
	fmt.Fprintf(w, "usage: ssmlab %s <command> [flags] [arguments]\n\n", group)
	if m := groupManuals[group]; m != "" {
		fmt.Fprintf(w, "%s\n\n", m)
	}
	fmt.Fprint(w, "Commands:\n")
	for _, n := range commandNames() {
		if strings.HasPrefix(n, group+" ") {
			fmt.Fprintf(w, "  %-14s %s\n      ssmlab %s\n", n, commands[n].Short, commands[n].Usage)
		}
	}
	fmt.Fprintf(w, "\nRun 'ssmlab help %s <command>' for a command's manual.\n", group)
}
