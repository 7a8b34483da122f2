//go:build !clk

package sdk

// defaultBackend is nil outside clk: every call fails with ErrNoSys until
// SetBackend installs one.
var defaultBackend Backend
