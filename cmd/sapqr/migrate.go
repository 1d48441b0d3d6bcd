package main

import (
	"context"
	"errors"
)

func cmdMigrate(context.Context, *environment, []string) error {
	return errors.New("cmdMigrate: not available in this build yet")
}
