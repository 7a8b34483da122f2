// Command clkmod makes and checks clk's module files and trust stores on
// the host: keys, root sets, delegations, revocations, rotations, and
// modules built, signed, verified and inspected; and it checks the
// kernel's audit logs. docs/modules.md has the formats and an example
// session.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one clkmod command.
type command struct {
	name, usage, summary string
	run                  func(args []string, out io.Writer) error
}

var commands []command

func init() {
	commands = []command{
		{"keygen", "keygen -o DIR/NAME", "make an ed25519 key pair: NAME.key (mode 0600) and NAME.pub", keygen},
		{"root", "root -trust DIR -k K -sign KEY... MEMBER...", "start a trust store: root set 1 of the members' keys, threshold K", rootInit},
		{"rotate", "rotate -trust DIR -k K -sign KEY... MEMBER...", "replace the root set; signed by K of the old roots and K of the new", rotate},
		{"delegate", "delegate -trust DIR -sign KEY... [-names P,...] [-expires DATE|DURATION] MODKEY", "let a module key sign modules", delegate},
		{"revoke", "revoke -trust DIR -sign KEY... MODKEY", "revoke a module key", revoke},
		{"build", "build [-o OUT] [-manifest FILE] [-key KEY] [-elf FILE] [manifest flags] PKG", "build a package for GOOS=clk and wrap it as a module", build},
		{"sign", "sign -key KEY [-o OUT] FILE", "add or replace the key's signature of a module", sign},
		{"verify", "verify -trust DIR|FILE [-policy FILE] [-permissive] [-abi N] FILE", "check a module against a trust store; exit status 1 when refused", verify},
		{"inspect", "inspect FILE", "print a module's manifest, signers and ELF, or a trust document, as JSON", inspect},
		{"suppolicy", "suppolicy -sign KEY... [-supervisor KEY]... -o OUT FILE", "sign the AI supervisor's policy (JSON) with root keys, adding supervisors' public keys", supPolicy},
		{"audit", "audit verify [-key KEY] [-head SEQ:HASH] FILE | audit show [-json] [-key KEY] FILE", "check an audit log's chain and checkpoints, or print its records", auditCommand},
	}
}

// errUsage asks main to print the command's usage.
var errUsage = errors.New("usage")

// errRefused is the failure of verify and audit after they printed the
// verdict.
var errRefused = errors.New("refused")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit status.
func run(args []string, out, errOut io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		help(out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], out)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errRefused):
			return 1
		case errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp):
			fmt.Fprintf(errOut, "usage: clkmod %s\n", c.usage)
			return 2
		}
		fmt.Fprintf(errOut, "clkmod %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(errOut, "clkmod: no command %q (clkmod help lists them)\n", args[0])
	return 2
}

func help(out io.Writer) {
	fmt.Fprintln(out, "clkmod makes and checks clk modules, trust stores and audit logs. Commands:")
	for _, c := range commands {
		fmt.Fprintf(out, "\n  clkmod %s\n      %s\n", c.usage, c.summary)
	}
}

// flags returns a flag set for command name that reports to out.
func flags(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}

// list is a flag given several times or with comma-separated values.
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }

func (l *list) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}
