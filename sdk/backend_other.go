//go:build !clk

package sdk

// defaultBackend is nil outside clk: every call fails with abi.ENOSYS until
// SetBackend installs one.
var defaultBackend Backend
