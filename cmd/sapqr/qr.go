package main

import (
	"context"
	"errors"
)

// Placeholder until its owner lands; replace the whole file.

func cmdQR(context.Context, *environment, []string) error {
	return errors.New("cmdQR: not available in this build yet")
}
func cmdBanks(context.Context, *environment, []string) error {
	return errors.New("cmdBanks: not available in this build yet")
}
