// Package modtest makes what tests of module files need: a tiny valid
// ELF, keys that are the same at every run, and a trust store with a
// module signed for it. It is for tests only.
package modtest

import (
	"bytes"
	"clk/abi"
	"clk/modstore"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"unsafe"
)

// code is the program of TinyELF: `jmp .` (EB FE), a loop in place.
var code = []byte{0xeb, 0xfe}

// TinyELF returns the smallest ELF that modstore.CheckELF accepts: an
// ELF64 x86-64 executable with one read-execute PT_LOAD segment at
// abi.UserBase holding the whole file, its entry point the code after the
// headers.
func TinyELF() []byte {
	const (
		ehsize = int(unsafe.Sizeof(elf.Header64{}))
		phsize = int(unsafe.Sizeof(elf.Prog64{}))
	)
	size := uint64(ehsize + phsize + len(code))
	h := elf.Header64{
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(elf.EM_X86_64),
		Version:   uint32(elf.EV_CURRENT),
		Entry:     abi.UserBase + uint64(ehsize+phsize),
		Phoff:     uint64(ehsize),
		Ehsize:    uint16(ehsize),
		Phentsize: uint16(phsize),
		Phnum:     1,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	p := elf.Prog64{
		Type:   uint32(elf.PT_LOAD),
		Flags:  uint32(elf.PF_R | elf.PF_X),
		Vaddr:  abi.UserBase,
		Paddr:  abi.UserBase,
		Filesz: size,
		Memsz:  size,
		Align:  abi.PageSize,
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, &h)
	binary.Write(&b, binary.LittleEndian, &p)
	b.Write(code)
	return b.Bytes()
}

// Key returns the signer whose seed is the SHA-256 of name, the same at
// every run.
func Key(name string) *modstore.Signer {
	seed := sha256.Sum256([]byte(name))
	s, err := modstore.NewSigner(seed[:])
	if err != nil {
		panic(err)
	}
	return s
}

// Manifest returns a manifest for a module called name that asks for
// little: 16 MiB of memory, 4 threads, a virtio network device
// (1af4:1041), the service "net" provided and "log" used.
func Manifest(name string) modstore.Manifest {
	return modstore.Manifest{
		Name:     name,
		Version:  modstore.Version{Major: 1, Minor: 2, Patch: 3},
		ABI:      modstore.CurrentABI,
		Memory:   16 << 20,
		Threads:  4,
		Devices:  []modstore.Device{{Kind: modstore.ByID, VendorID: 0x1af4, DeviceID: 0x1041}},
		Provides: []string{"net"},
		Uses:     []string{"log"},
	}
}

// Doc returns the encoding of doc signed by signers.
func Doc(doc modstore.Doc, signers ...*modstore.Signer) []byte {
	for _, s := range signers {
		if err := doc.Sign(s); err != nil {
			panic(err)
		}
	}
	b, err := doc.MarshalBinary()
	if err != nil {
		panic(err)
	}
	return b
}

// RootDoc returns a root set document of version v, threshold k and the
// keys of roots, signed by signers.
func RootDoc(v uint32, k int, roots []*modstore.Signer, signers ...*modstore.Signer) []byte {
	var keys []modstore.PublicKey
	for _, r := range roots {
		keys = append(keys, r.Public())
	}
	r := modstore.NewRootSet(v, k, keys)
	return Doc(modstore.Doc{Root: &r}, signers...)
}

// Fixture is a trust store of three roots with threshold 2 and one
// delegated module key.
type Fixture struct {
	Roots  []*modstore.Signer
	Module *modstore.Signer
	Store  *modstore.Store
	// Anchor is the root set document the store was made from.
	Anchor []byte
}

// NewFixture returns a Fixture whose store has cfg.
func NewFixture(cfg modstore.Config) *Fixture {
	f := &Fixture{
		Roots:  []*modstore.Signer{Key("root-a"), Key("root-b"), Key("root-c")},
		Module: Key("module-key"),
	}
	f.Anchor = RootDoc(1, 2, f.Roots, f.Roots...)
	var err error
	if f.Store, err = modstore.NewStore(f.Anchor, cfg); err != nil {
		panic(err)
	}
	if err := f.Store.Apply(f.Delegation(f.Module.Public(), nil, f.Roots[0], f.Roots[1])); err != nil {
		panic(err)
	}
	return f
}

// Delegation returns a delegation of key for names signed by signers.
func (f *Fixture) Delegation(key modstore.PublicKey, names []string, signers ...*modstore.Signer) []byte {
	return Doc(modstore.Doc{Delegation: &modstore.Delegation{Key: key, Names: names}}, signers...)
}

// Module returns the file of a module of m and elf signed by signers.
func Module(m modstore.Manifest, elf []byte, signers ...*modstore.Signer) []byte {
	mod := modstore.Wrap(m, elf)
	for _, s := range signers {
		if err := mod.Sign(s); err != nil {
			panic(fmt.Sprintf("sign: %v", err))
		}
	}
	b, err := mod.MarshalBinary()
	if err != nil {
		panic(fmt.Sprintf("module: %v", err))
	}
	return b
}
