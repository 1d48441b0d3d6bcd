package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sapqr/sapqr/merchants"
)

// userLine is a user as `sapqr user list --json` prints it, one per line.
type userLine struct {
	ID           int64    `json:"id"`
	Username     string   `json:"username"`
	DisplayName  string   `json:"display_name"`
	Role         string   `json:"role"`
	ProvinceCode string   `json:"province_code,omitempty"`
	CommuneCodes []string `json:"commune_codes"`
	Phone        string   `json:"phone,omitempty"`
	Active       bool     `json:"active"`
}

// cmdUserList is `sapqr user list [--json]`: every user, a table or one
// JSON object a line.
func cmdUserList(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	asJSON := fs.Bool("json", false, "one JSON object per user and line")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	svc, done, err := openService(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	tw := tabwriter.NewWriter(env.stdout, 2, 4, 2, ' ', 0)
	if !*asJSON {
		fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tSCOPE\tACTIVE\tNAME")
	}
	enc := json.NewEncoder(env.stdout)
	cursor := ""
	for {
		page, err := svc.ListUsers(ctx, systemActor, merchants.UserFilter{Limit: svc.MaxPageSize(), Cursor: cursor})
		if err != nil {
			return fmt.Errorf("user list: %w", err)
		}
		for _, u := range page.Users {
			cc := u.CommuneCodes
			if cc == nil {
				cc = []string{}
			}
			if *asJSON {
				if err := enc.Encode(userLine{u.ID, u.Username, u.DisplayName, string(u.Role), u.ProvinceCode, cc, u.Phone, u.Active}); err != nil {
					return err
				}
				continue
			}
			scope := u.ProvinceCode + strings.Join(cc, ",")
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%t\t%s\n", u.ID, u.Username, u.Role, scope, u.Active, u.DisplayName)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	return tw.Flush()
}

// cmdUserChange is `sapqr user disable|enable|reset-password --username U`
// and `sapqr user set-scope --username U --commune CODE...|--province CODE`.
func cmdUserChange(ctx context.Context, env *environment, verb string, args []string) error {
	fs := flag.NewFlagSet("user "+verb, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var (
		username, province string
		communes           stringList
	)
	fs.StringVar(&username, "username", "", "the user")
	if verb == "set-scope" {
		fs.Var(&communes, "commune", "commune code of a commune officer or member (repeat, or separate with commas)")
		fs.StringVar(&province, "province", "", "province code of a province officer")
	}
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if username == "" {
		return fmt.Errorf("user %s: --username is required", verb)
	}
	if verb == "set-scope" && (len(communes) > 0) == (province != "") {
		return fmt.Errorf("user set-scope: give --commune CODE... or --province CODE, not both")
	}
	svc, done, err := openService(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.UserByUsername(ctx, systemActor, username)
	if errors.Is(err, merchants.ErrNotFound) {
		return fmt.Errorf("user %s: no user %q", verb, username)
	}
	if err != nil {
		return fmt.Errorf("user %s: %w", verb, err)
	}
	return changeUser(ctx, env, svc, verb, u, province, communes)
}

// changeUser makes the change verb names to u and says what it did.
func changeUser(ctx context.Context, env *environment, svc *merchants.Service, verb string, u merchants.User, province string, communes []string) error {
	var in merchants.UpdateUserInput
	switch verb {
	case "reset-password":
		act, err := svc.ResetPassword(ctx, systemActor, u.ID)
		if err != nil {
			return fmt.Errorf("user reset-password: %w", err)
		}
		fmt.Fprintf(env.stdout, "password of %s removed and sessions ended; the one-time link, valid until %s, is the server's address followed by\n/ui/activate/%s\n",
			u.Username, act.ExpiresAt.In(merchants.Vietnam).Format(time.DateTime), act.Token)
		return nil
	case "disable", "enable":
		active := verb == "enable"
		in.Active = &active
	case "set-scope":
		in.ProvinceCode, in.CommuneCodes = &province, &communes
	}
	u, err := svc.UpdateUser(ctx, systemActor, u.ID, in)
	var ve *merchants.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Fprintf(env.stderr, "sapqr: user %s: %s: %s\n", verb, flagOf(f.Field), f.Message)
		}
		return exitCode(1)
	}
	if err != nil {
		return fmt.Errorf("user %s: %w", verb, err)
	}
	fmt.Fprintf(env.stdout, "user %s: %s (active %t, scope %s%s)\n", verb, u.Username, u.Active, u.ProvinceCode, strings.Join(u.CommuneCodes, ","))
	return nil
}
