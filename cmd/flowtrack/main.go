// Command flowtrack runs FlowTrack: `flowtrack serve` (the default),
// `migrate`, `createsuperuser` and `version`.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "flowtrack:", err)
		os.Exit(1)
	}
}

// run is the whole program, so tests can start it with their own
// arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	command := "serve"
	if len(args) > 0 {
		command, args = args[0], args[1:]
	}
	switch command {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, getenv, stdout)
	case "createsuperuser":
		return createSuperuser(ctx, args, getenv, stdin, stdout)
	case "checkpoint":
		return checkpoint(ctx, args, stdin, stdout)
	case "version":
		fmt.Fprintln(stdout, "flowtrack", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (commands: serve, migrate, createsuperuser, version)", command)
}

const usage = `Usage: flowtrack [command]

Commands:
  serve             serve the API (the default)
  migrate           apply database migrations
  createsuperuser   create a staff superuser: --username U --email E
  version           print the version
  checkpoint PATH   copy a SQLite file's WAL into it (serve starts this)

Configuration comes from FLOWTRACK_* environment variables; see README.md.
`
