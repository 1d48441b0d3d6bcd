package main

import (
	"context"
	"errors"
)

// Placeholder until its owner lands; replace the whole file.

func cmdCounters(context.Context, *environment, []string) error {
	return errors.New("cmdCounters: not available in this build yet")
}
func cmdReport(context.Context, *environment, []string) error {
	return errors.New("cmdReport: not available in this build yet")
}
