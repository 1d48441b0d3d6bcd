package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
)

// Demo data of `serve --demo`.
const (
	demoAdmin    = "demo-admin"
	demoProvince = "01" // Hà Nội
)

// foreignUsers returns up to three users of the database other than the
// demo admin, or the error of reading them (a database never migrated has
// no users table).
func foreignUsers(ctx context.Context, store *gormstore.Store) ([]string, error) {
	rows, err := store.DB().QueryContext(ctx,
		"SELECT username FROM users WHERE username <> '"+demoAdmin+"' ORDER BY id LIMIT 3")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, strconv.Quote(n))
	}
	return names, rows.Err()
}

// errForeignUsers is the refusal of `serve --demo` on a database in use.
func errForeignUsers(names []string) error {
	return fmt.Errorf("--demo refused: the database has users other than %s (%s): demo data and a demo admin never go into a database in use; "+
		"run plain 'sapqr serve' on it, or --demo on a database of its own (e.g. SAPQR_DATABASE_URL=sqlite:demo.db)", demoAdmin, strings.Join(names, ", "))
}

// refuseForeignUsers stops `serve --demo` before any migration when the
// database already has users other than the demo admin. A database it
// cannot read users from (a new one) is checked again by createDemo once
// migrated.
func refuseForeignUsers(ctx context.Context, store *gormstore.Store) error {
	if names, err := foreignUsers(ctx, store); err == nil && len(names) > 0 {
		return errForeignUsers(names)
	}
	return nil
}

// createDemo fills a database with no market yet with the demo data of
// merchants.SeedDemo in the first commune of demoProvince (two markets,
// vendors registered, some signs printed and first payments confirmed,
// all through the service, so audited and counted), adds a demo admin
// with a random password and prints the login once to w, the terminal
// (never the log). It refuses, writing nothing, a database with users
// other than the demo admin; on a database with markets it adds nothing:
// demo data never mixes with real data.
func createDemo(ctx context.Context, a *app, w io.Writer) error {
	svc, units := a.svc, a.units
	others, err := foreignUsers(ctx, a.store)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if len(others) > 0 {
		return errForeignUsers(others)
	}
	page, err := svc.ListMarkets(ctx, systemActor, merchants.MarketFilter{Limit: 1})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if len(page.Markets) > 0 {
		fmt.Fprintln(w, "sapqr: --demo: the database already holds markets; no demo data added")
		return nil
	}
	communes, err := units.Communes(demoProvince)
	if err != nil || len(communes) == 0 {
		return fmt.Errorf("demo: no commune in province %s: %v", demoProvince, err)
	}
	commune := communes[0]
	res, err := svc.SeedDemo(ctx, systemActor, commune, nil)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	names := make([]string, len(res.Markets))
	for i, m := range res.Markets {
		names[i] = strconv.Quote(m.Name)
	}
	fmt.Fprintf(w, "sapqr: demo data: %s (commune %s): markets %s with %d vendors, some with printed signs and confirmed first payments; target: %.0f%% of markets chợ 4.0 by %s\n",
		commune.FullName(), commune.Code, strings.Join(names, " and "), res.Vendors, res.Target.Cho40Share*100, res.Target.Due.Format(time.DateOnly))

	password := rand.Text()
	_, err = svc.CreateUser(ctx, systemActor, merchants.CreateUserInput{
		Username: demoAdmin, Password: password, DisplayName: "Demo admin", Role: merchants.RoleAdmin,
	})
	if errors.Is(err, merchants.ErrConflict) {
		fmt.Fprintf(w, "sapqr: --demo: user %s already exists; its password is unchanged\n", demoAdmin)
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo admin: %w", err)
	}
	fmt.Fprintf(w, "sapqr: demo login (shown once): username %s password %s\n", demoAdmin, password)
	return nil
}
