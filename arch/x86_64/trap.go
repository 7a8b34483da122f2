package x86

import (
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// maxInstLen is the longest x86 instruction (Intel SDM Vol. 2A, 2.3.11).
const maxInstLen = 15

// Disassemble decodes the instruction at pc from code (the bytes starting
// at pc) in GNU syntax, naming branch targets with symbolize when it knows
// them.
func Disassemble(code []byte, pc uint64, symbolize func(uint64) (string, uint64)) (string, error) {
	inst, err := x86asm.Decode(code, 64)
	if err != nil {
		return "", fmt.Errorf("decode at %#x: %w", pc, err)
	}
	text := x86asm.GNUSyntax(inst, pc, symbolize)
	var hex strings.Builder
	for i, b := range code[:inst.Len] {
		if i > 0 {
			hex.WriteByte(' ')
		}
		fmt.Fprintf(&hex, "%02x", b)
	}
	return fmt.Sprintf("%-32s %s", hex.String(), text), nil
}
