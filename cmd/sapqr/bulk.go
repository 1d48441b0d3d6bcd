package main

import (
	"context"
	"errors"
)

// Placeholder until its owner lands; replace the whole file.

func cmdImport(context.Context, *environment, []string) error {
	return errors.New("cmdImport: not available in this build yet")
}
func cmdExport(context.Context, *environment, []string) error {
	return errors.New("cmdExport: not available in this build yet")
}
func cmdSeed(context.Context, *environment, []string) error {
	return errors.New("cmdSeed: not available in this build yet")
}
