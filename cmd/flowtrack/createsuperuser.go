package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/flowtrack/flowtrack"
	"github.com/flowtrack/flowtrack/password"
	"github.com/flowtrack/flowtrack/sqlite"
)

// createSuperuser makes an active staff superuser, with the password from
// FLOWTRACK_SUPERUSER_PASSWORD or typed at a prompt that does not echo.
func createSuperuser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	flags := flag.NewFlagSet("createsuperuser", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	username := flags.String("username", "", "username")
	email := flags.String("email", "", "email address")
	if err := flags.Parse(args); err != nil {
		return fmt.Errorf("createsuperuser: %w (usage: createsuperuser --username U --email E)", err)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	pw := getenv("FLOWTRACK_SUPERUSER_PASSWORD")
	if pw == "" {
		if pw, err = promptPassword(stdin, stdout); err != nil {
			return err
		}
	}
	var p flowtrack.Problems
	u := &flowtrack.User{IsActive: true, IsStaff: true, IsSuperuser: true, DateJoined: flowtrack.Now()}
	u.Username = flowtrack.CheckUsername(&p, *username)
	u.Email = flowtrack.CheckEmail(&p, "email", *email)
	flowtrack.CheckPassword(&p, "password", pw, u.Username, u.Email)
	if err := p.Err(); err != nil {
		return describe(err)
	}
	db, err := cfg.openCurrentStore(ctx, sqlite.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if u.PasswordHash, err = password.NewHasher(password.OWASP, 1).Hash(ctx, pw); err != nil {
		return err
	}
	if err := db.UserCreate(ctx, u); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Superuser %q created (id %d).\n", u.Username, u.ID)
	return nil
}

// describe turns a validation error into one line naming every field.
func describe(err error) error {
	var invalid *flowtrack.ValidationError
	if !errors.As(err, &invalid) {
		return err
	}
	var parts []string
	for _, f := range invalid.Fields {
		parts = append(parts, "--"+f.Field+": "+strings.Join(f.Messages, " "))
	}
	return errors.New(strings.Join(parts, "; "))
}

// promptPassword asks for the password twice without echo on a terminal,
// or reads one line from a pipe.
func promptPassword(stdin io.Reader, stdout io.Writer) (string, error) {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("FLOWTRACK_SUPERUSER_PASSWORD: not set, and no password on standard input")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(stdout, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stdout)
		return string(b), err
	}
	pw, err := read("Password: ")
	if err != nil {
		return "", err
	}
	again, err := read("Password (again): ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the two passwords differ")
	}
	return pw, nil
}
