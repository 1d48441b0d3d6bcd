package main

import (
	"context"
	"errors"
)

// Placeholder until its owner lands; replace the whole file.

func cmdServe(context.Context, *environment, []string) error {
	return errors.New("cmdServe: not available in this build yet")
}
func cmdUser(context.Context, *environment, []string) error {
	return errors.New("cmdUser: not available in this build yet")
}
