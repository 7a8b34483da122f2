package syscalls

import (
	crand "crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"sync"

	"clk/abi"
)

// pool is the kernel's random pool: random_get draws from it and
// random_add (a driver of a hardware generator, say) feeds it. Its state
// is a 256-bit key. Adding hashes the input into the key, so no input,
// however chosen, can lower what the key already holds. Drawing first
// hashes fresh bytes of the CPU's generator (crypto/rand: RDRAND mixed
// with the TSC) into the key, expands the key with ChaCha8, and replaces
// the key with a hash of the old key and the stream's next bytes, so that
// an output does not reveal the key it came from, nor the key of an
// earlier output.
type pool struct {
	mu    sync.Mutex
	key   [32]byte
	added uint64 // bytes fed by random_add, for reports
}

func newPool() *pool {
	p := &pool{}
	crand.Read(p.key[:])
	return p
}

// mix hashes b into the key under a label.
// Preconditions: p.mu is held.
func (p *pool) mix(label byte, b []byte) {
	h := sha256.New()
	h.Write(p.key[:])
	h.Write([]byte{label})
	h.Write(b)
	h.Sum(p.key[:0])
}

// Add mixes b into the pool.
func (p *pool) Add(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mix('a', b)
	p.added += uint64(len(b))
}

// Read fills b from the pool.
func (p *pool) Read(b []byte) {
	var fresh [32]byte
	crand.Read(fresh[:])
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mix('c', fresh[:])
	stream := rand.NewChaCha8(p.key)
	stream.Read(b)
	var next [32]byte
	stream.Read(next[:])
	p.mix('r', next[:])
}

// Added returns how many bytes random_add has fed the pool.
func (p *pool) Added() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.added
}

func sysRandomGet(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	if a[1] > abi.MaxIOBytes {
		return 0, fmt.Errorf("random_get: %d bytes: %w", a[1], errTooLarge)
	}
	b := make([]byte, a[1])
	k.random.Read(b)
	if err := c.Mem.CopyOut(a[0], b); err != nil {
		return 0, fmt.Errorf("random_get: %w", err)
	}
	return 0, nil
}

func sysRandomAdd(k *Dispatcher, c *Caller, a Args) (uint64, error) {
	b, err := userBytes(c, a[0], a[1], abi.MaxIOBytes)
	if err != nil {
		return 0, fmt.Errorf("random_add: %w", err)
	}
	k.random.Add(b)
	return 0, nil
}

// RandomAdded returns how many bytes programs have fed the random pool
// (random_add): the boot log and the shell show that a hardware
// generator's driver is at work.
func (k *Dispatcher) RandomAdded() uint64 { return k.random.Added() }
