package module

import "errors"

// The causes of a refused or failed lifecycle operation; test with
// errors.Is. A refusal by the trust store wraps modstore's cause instead.
var (
	// ErrNoModule: no module of that name is installed.
	ErrNoModule = errors.New("no such module")
	// ErrNoVersion: the module has no installed version of that number.
	ErrNoVersion = errors.New("version not installed")
	// ErrNoService: no active module provides the service.
	ErrNoService = errors.New("no such service")
	// ErrState: the operation does not apply in the module's state
	// (activating an active module, replacing a stopped one).
	ErrState = errors.New("not allowed in the module's state")
	// ErrServiceTaken: another module already provides a service of the
	// module's manifest.
	ErrServiceTaken = errors.New("service provided by another module")
	// ErrProvides: a replacement provides other services than the
	// version it replaces.
	ErrProvides = errors.New("replacement provides other services")
	// ErrTooManyClients: the module serves as many client channels as an
	// instance can wait on.
	ErrTooManyClients = errors.New("too many clients")
	// ErrStart: the instance could not be started, refused its state,
	// or did not report ready in time.
	ErrStart = errors.New("instance did not start")
	// ErrDied: the instance ended while the manager was talking to it.
	ErrDied = errors.New("instance died")
	// ErrQuiesce: the instance did not answer the quiesce request in time.
	ErrQuiesce = errors.New("instance did not quiesce")
	// ErrExport: the instance refused to export its state, or did not
	// send it in time.
	ErrExport = errors.New("instance did not export its state")
	// ErrProtocol: the instance sent a message out of turn or malformed.
	ErrProtocol = errors.New("control protocol violated")
	// ErrRolledBack: the replacement failed and the previous instance
	// serves again. It wraps the failure's cause too.
	ErrRolledBack = errors.New("replacement rolled back")
	// ErrFailed: the module died more often than its restart policy
	// allows and was given up.
	ErrFailed = errors.New("module failed")
	// ErrRevoked: the module was revoked.
	ErrRevoked = errors.New("module revoked")
)
