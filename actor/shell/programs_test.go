package shell

import (
	"slices"
	"testing"
)

// run's options stop at the program's name: what follows is the
// program's, -s included.
func TestRunTakesServicesUpToTheProgramsName(t *testing.T) {
	opt, args, err := runOptions([]string{"-s", "kv", "-m", "64M", "-s", "log", "kvload", "-s", "x"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(opt.Services, []string{"kv", "log"}) || opt.Memory != 64<<20 {
		t.Errorf("options %+v, want services kv and log and 64M", opt)
	}
	if !slices.Equal(args, []string{"kvload", "-s", "x"}) {
		t.Errorf("args %q, want kvload -s x", args)
	}
}
