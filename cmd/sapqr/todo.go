package main

import (
	"context"
	"errors"
)

// The subcommands below are wired by the issues that own them; each file
// that implements one deletes its line here.

var errNotYet = errors.New("not available in this build yet")

func cmdServe(context.Context, *environment, []string) error   { return errNotYet }
func cmdMigrate(context.Context, *environment, []string) error { return errNotYet }
func cmdQR(context.Context, *environment, []string) error      { return errNotYet }
func cmdBanks(context.Context, *environment, []string) error   { return errNotYet }
