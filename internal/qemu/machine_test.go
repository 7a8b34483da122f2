package qemu

import "testing"

func TestConsoleFilterShowsWhatATerminalShows(t *testing.T) {
	// GRUB's screen set-up and line endings, split at awkward places.
	chunks := []string{"\x1b[H\x1b[J\x1b[1", ";1H  Booting `clk'\n\r\n\r", "\x1b(Bclk\x1b", "[0m> \x07\r\n"}
	var f consoleFilter
	var got []byte
	for _, c := range chunks {
		got = f.append(got, []byte(c))
	}
	if want := "  Booting `clk'\n\nclk> \n"; string(got) != want {
		t.Errorf("filtered console = %q, want %q", got, want)
	}
}
