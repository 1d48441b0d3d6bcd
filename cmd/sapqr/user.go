package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sapqr/sapqr/merchants"
)

// stringList is a repeatable flag; commas also separate values.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// userUsage lists the user subcommands.
const userUsage = `usage: sapqr user add --role admin|province|commune|member --username U [--commune CODE...] [--province CODE] [--display-name NAME] --password-stdin
       sapqr user list [--json]
       sapqr user disable|enable|reset-password --username U
       sapqr user set-scope --username U --commune CODE...|--province CODE`

// cmdUser manages users: add, list, disable, enable, reset-password and
// set-scope (user_manage.go).
func cmdUser(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, userUsage)
		return exitCode(2)
	}
	switch args[0] {
	case "add":
		return cmdUserAdd(ctx, env, args)
	case "list":
		return cmdUserList(ctx, env, args[1:])
	case "disable", "enable", "reset-password", "set-scope":
		return cmdUserChange(ctx, env, args[0], args[1:])
	}
	fmt.Fprintln(env.stderr, userUsage)
	return exitCode(2)
}

// cmdUserAdd is `sapqr user add --role admin|province|commune|member
// --username U [--commune CODE...] [--province CODE] [--display-name NAME]
// --password-stdin`.
func cmdUserAdd(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var (
		role, username, province, display string
		communes                          stringList
		passwordStdin                     bool
	)
	fs.StringVar(&role, "role", "", "admin, province, commune or member")
	fs.StringVar(&username, "username", "", "3 to 64 of a-z, 0-9, '.', '_' and '-'")
	fs.Var(&communes, "commune", "commune code in the user's scope (repeat, or separate with commas); commune and member roles")
	fs.StringVar(&province, "province", "", "province code of a province officer")
	fs.StringVar(&display, "display-name", "", "name shown in the UI")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input (required)")
	if err := fs.Parse(args[1:]); err != nil {
		return exitCode(2)
	}
	if !passwordStdin {
		return errors.New("user add: --password-stdin is required: passwords are never taken from the command line, where other users can read them")
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("user add: read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")

	svc, done, err := openService(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.CreateUser(ctx, systemActor, merchants.CreateUserInput{
		Username: username, Password: password, DisplayName: display, Role: merchants.Role(role),
		ProvinceCode: province, CommuneCodes: communes,
	})
	var ve *merchants.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Fprintf(env.stderr, "sapqr: user add: %s: %s\n", flagOf(f.Field), f.Message)
		}
		return exitCode(1)
	}
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(env.stdout, "created user %s (id %d, role %s)\n", u.Username, u.ID, u.Role)
	return nil
}

// flagOf names the flag that sets a CreateUserInput field.
func flagOf(field string) string {
	switch {
	case field == "password":
		return "password (stdin)"
	case field == "province_code":
		return "--province"
	case strings.HasPrefix(field, "commune_codes"):
		return "--commune"
	case field == "display_name":
		return "--display-name"
	}
	return "--" + field
}
