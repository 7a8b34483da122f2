//go:build clk

package fat

import "testing"

// toolImages has no host tools to make images with on clk.
func toolImages(testing.TB) []*MemDevice { return nil }

// fsckClean has no fsck.fat to run on clk.
func fsckClean(*testing.T, *MemDevice) {}
