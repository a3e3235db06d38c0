package cmd

import (
	"errors"
	"fmt"
)

// Exit codes, the same for every eksnet command.
const (
	ExitOK          = 0
	ExitCheckFailed = 1 // a gate found violations
	ExitUsage       = 2 // bad flags, arguments or input files
	ExitEnvironment = 3 // AWS or the machine: credentials, endpoint, throttling, disk
)

// ExitError carries the exit code that an error should end the process with.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

func usageErrorf(format string, a ...any) error {
	return &ExitError{ExitUsage, fmt.Errorf(format, a...)}
}

func usageError(err error) error { return &ExitError{ExitUsage, err} }

func environmentErrorf(format string, a ...any) error {
	return &ExitError{ExitEnvironment, fmt.Errorf(format, a...)}
}

// ExitCode maps an error to the process exit code. Errors that carry no code
// come from cobra's own parsing (unknown command, wrong argument count), which
// are usage errors: everything eksnet itself returns carries a code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitUsage
}
