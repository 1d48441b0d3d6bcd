package main

import (
	"errors"
	"strconv"
)

// exitCode is an error that asks main to exit with that status and print
// nothing more: the command has already said what went wrong.
type exitCode int

func (e exitCode) Error() string { return "exit status " + strconv.Itoa(int(e)) }

// usageError is a refused configuration value, flag or argument: main
// prints it and exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitStatus is the process exit status for what run returned: 0 for nil,
// the status of an exitCode, and 2 for a usageError or any other error.
func exitStatus(err error) int {
	var ec exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return int(ec)
	}
	return 2
}
