package main

import (
	"errors"
	"strconv"
)

// exitCode is an error that asks main to exit with that status and print
// nothing more: the command has already said what went wrong.
type exitCode int

func (e exitCode) Error() string { return "exit status " + strconv.Itoa(int(e)) }

func asExitCode(err error, ec *exitCode) bool { return errors.As(err, ec) }
