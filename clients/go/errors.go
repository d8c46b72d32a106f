package orchestrator

import (
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrNotFound matches, with errors.Is, every error whose gRPC code is
// NOT_FOUND (an unknown workflow or execution id).
var ErrNotFound = errors.New("orchestrator: not found")

// ErrAlreadyExists matches, with errors.Is, every error whose gRPC code is
// ALREADY_EXISTS (a workflow name that is taken).
var ErrAlreadyExists = errors.New("orchestrator: already exists")

// rpcError is a gRPC error that errors.Is can compare with the sentinels
// above. It keeps GRPCStatus, so status.Code and status.FromError still work.
type rpcError struct{ err error }

func (e *rpcError) Error() string { return e.err.Error() }

// Unwrap returns the original gRPC error.
func (e *rpcError) Unwrap() error { return e.err }

// GRPCStatus returns the error's gRPC status.
func (e *rpcError) GRPCStatus() *status.Status { return status.Convert(e.err) }

// Is reports whether target is the sentinel for the error's gRPC code.
func (e *rpcError) Is(target error) bool {
	switch status.Code(e.err) {
	case codes.NotFound:
		return target == ErrNotFound
	case codes.AlreadyExists:
		return target == ErrAlreadyExists
	}
	return false
}

// wrap turns a gRPC error into an rpcError; nil and non-status errors (such
// as io.EOF at the end of a stream) pass unchanged.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); !ok {
		return err
	}
	return &rpcError{err: err}
}
