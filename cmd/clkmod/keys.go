package main

import (
	"bytes"
	"clk/modstore"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Key files are text: a header line naming the kind of key, then the key
// in standard base64. A private key file (NAME.key, mode 0600) holds the
// 32-byte ed25519 seed, a public key file (NAME.pub) the 32-byte key.
const (
	publicHeader  = "clk ed25519 public key"
	privateHeader = "clk ed25519 private key"
)

func keyText(header string, raw []byte) []byte {
	return []byte(header + "\n" + base64.StdEncoding.EncodeToString(raw) + "\n")
}

// parseKeyText returns the key bytes of a key file's text with header.
func parseKeyText(text []byte, header string, size int) ([]byte, error) {
	first, rest, _ := bytes.Cut(text, []byte("\n"))
	if string(first) != header {
		return nil, fmt.Errorf("first line is not %q", header)
	}
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(rest)))
	if err != nil {
		return nil, err
	}
	if len(raw) != size {
		return nil, fmt.Errorf("%d bytes of key, want %d", len(raw), size)
	}
	return raw, nil
}

// readSigner reads a private key file.
func readSigner(path string) (*modstore.Signer, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	seed, err := parseKeyText(text, privateHeader, 32)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return modstore.NewSigner(seed)
}

// readPublic reads a public key from a key file of either kind.
func readPublic(path string) (modstore.PublicKey, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return modstore.PublicKey{}, err
	}
	if bytes.HasPrefix(text, []byte(privateHeader+"\n")) {
		s, err := readSigner(path)
		if err != nil {
			return modstore.PublicKey{}, err
		}
		return s.Public(), nil
	}
	raw, err := parseKeyText(text, publicHeader, 32)
	if err != nil {
		return modstore.PublicKey{}, fmt.Errorf("%s: %w", path, err)
	}
	return modstore.PublicKey(raw), nil
}

// readSigners reads private key files.
func readSigners(paths []string) ([]*modstore.Signer, error) {
	var out []*modstore.Signer
	for _, p := range paths {
		s, err := readSigner(p)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func keygen(args []string, out io.Writer) error {
	fs := flags("keygen", out)
	base := fs.String("o", "", "DIR/NAME: write DIR/NAME.key and DIR/NAME.pub")
	if err := fs.Parse(args); err != nil || *base == "" || fs.NArg() != 0 {
		return errUsage
	}
	s, err := modstore.GenerateKey(nil)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*base), 0o755); err != nil {
		return err
	}
	// O_EXCL: a key is never overwritten by accident.
	f, err := os.OpenFile(*base+".key", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(keyText(privateHeader, s.Seed())); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	pub := s.Public()
	if err := os.WriteFile(*base+".pub", keyText(publicHeader, pub[:]), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "key %s: %s.key, %s.pub\n", pub.ID(), *base, *base)
	return nil
}

// signFlag adds the -sign flag of the trust commands to fs.
func signFlag(fs *flag.FlagSet) *list {
	var l list
	fs.Var(&l, "sign", "a private key file that signs (repeat or separate with commas)")
	return &l
}
