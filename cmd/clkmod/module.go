package main

import (
	"bytes"
	"clk/modstore"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The limits a module gets when neither its manifest file nor a flag
// sets them.
const (
	defaultMemory  = 64 << 20
	defaultThreads = 16
)

// manifestFile is the name of the manifest file build looks for in a
// package's directory.
const manifestFile = "module.json"

func build(args []string, out io.Writer) error {
	fs := flags("build", out)
	outPath := fs.String("o", "", "the module file (default NAME.clkm)")
	manifestPath := fs.String("manifest", "", "the manifest as JSON (default PKG/"+manifestFile+" when there is one)")
	keyPath := fs.String("key", "", "a private key file to sign with")
	elfPath := fs.String("elf", "", "wrap this ELF instead of building PKG")
	name := fs.String("name", "", "the module's name (default the package directory's)")
	version := fs.String("version", "", "the module's version, major.minor.patch")
	memory := fs.Uint64("memory", 0, fmt.Sprintf("the memory limit in bytes (default %d)", defaultMemory))
	threads := fs.Uint("threads", 0, fmt.Sprintf("the thread limit (default %d)", defaultThreads))
	var devices, provides, uses list
	fs.Var(&devices, "device", "a device asked for: class:CC, class:CC:SS or id:VVVV:DDDD (repeatable)")
	fs.Var(&provides, "provides", "services provided (repeatable, or comma-separated)")
	fs.Var(&uses, "uses", "services used (repeatable, or comma-separated)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errUsage
	}
	pkg := fs.Arg(0)

	var m modstore.Manifest
	if *manifestPath == "" {
		if p := filepath.Join(pkg, manifestFile); fileExists(p) {
			*manifestPath = p
		}
	}
	if *manifestPath != "" {
		b, err := os.ReadFile(*manifestPath)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: %w", *manifestPath, err)
		}
	}
	if *name != "" {
		m.Name = *name
	}
	if m.Name == "" {
		m.Name = filepath.Base(filepath.Clean(pkg))
	}
	if *version != "" {
		v, err := modstore.ParseVersion(*version)
		if err != nil {
			return err
		}
		m.Version = v
	}
	if *memory != 0 {
		m.Memory = *memory
	}
	if m.Memory == 0 {
		m.Memory = defaultMemory
	}
	if *threads != 0 {
		m.Threads = uint32(*threads)
	}
	if m.Threads == 0 {
		m.Threads = defaultThreads
	}
	if m.ABI == 0 {
		m.ABI = modstore.CurrentABI
	}
	for _, d := range devices {
		dev, err := modstore.ParseDevice(d)
		if err != nil {
			return err
		}
		m.Devices = append(m.Devices, dev)
	}
	m.Provides = append(m.Provides, provides...)
	m.Uses = append(m.Uses, uses...)
	if m.Version == (modstore.Version{}) {
		return fmt.Errorf("module %s has no version: give -version or \"version\" in %s", m.Name, manifestFile)
	}

	var elf []byte
	var err error
	if *elfPath != "" {
		elf, err = os.ReadFile(*elfPath)
	} else {
		elf, err = compile(pkg)
	}
	if err != nil {
		return err
	}
	if *outPath == "" {
		*outPath = m.Name + ".clkm"
	}
	return wrap(m, elf, *keyPath, *outPath, out)
}

// wrap makes the module of m and elf, signs it with the key file keyPath
// if one is given, and writes it to outPath.
func wrap(m modstore.Manifest, elf []byte, keyPath, outPath string, out io.Writer) error {
	if err := modstore.CheckELF(elf); err != nil {
		return err
	}
	mod := modstore.Wrap(m, elf)
	if keyPath != "" {
		s, err := readSigner(keyPath)
		if err != nil {
			return err
		}
		if err := mod.Sign(s); err != nil {
			return err
		}
	}
	b, err := mod.MarshalBinary()
	if err != nil {
		return err
	}
	if err := os.WriteFile(outPath, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s: %s %v, ELF %d bytes, %d signatures\n", outPath, m.Name, m.Version, len(elf), len(mod.Signatures))
	return nil
}

// compile builds pkg for GOOS=clk with the repository's scripts/clk-go
// and returns the ELF.
func compile(pkg string) ([]byte, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "clkmod")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	elfPath := filepath.Join(tmp, "module.elf")
	clkgo := filepath.Join(root, "scripts", "clk-go")
	cmd := exec.Command(clkgo, "build", "-o", elfPath, pkg)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s build %s: %w\n"+
			"the GOOS=clk toolchain is built by `make toolchain` (scripts/toolchain.sh) in %s;\n"+
			"an ELF built elsewhere is wrapped with -elf FILE", clkgo, pkg, err, root)
	}
	return os.ReadFile(elfPath)
}

// repoRoot returns the clk repository holding the working directory: the
// nearest directory above it whose go.mod declares module clk.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			first, _, _ := strings.Cut(string(b), "\n")
			if strings.TrimSpace(first) == "module clk" {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the clk repository, whose scripts/clk-go builds modules; run clkmod there, or wrap an ELF with -elf FILE")
		}
		dir = parent
	}
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}

func sign(args []string, out io.Writer) error {
	fs := flags("sign", out)
	keyPath := fs.String("key", "", "the private key file to sign with")
	outPath := fs.String("o", "", "where to write the signed module (default: FILE itself)")
	if err := fs.Parse(args); err != nil || *keyPath == "" || fs.NArg() != 1 {
		return errUsage
	}
	path := fs.Arg(0)
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	mod, err := modstore.ParseModule(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s, err := readSigner(*keyPath)
	if err != nil {
		return err
	}
	if err := mod.Sign(s); err != nil {
		return err
	}
	if b, err = mod.MarshalBinary(); err != nil {
		return err
	}
	if *outPath == "" {
		*outPath = path
	}
	if err := os.WriteFile(*outPath, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "signed %s with key %s\n", *outPath, s.Public().ID())
	return nil
}

func verify(args []string, out io.Writer) error {
	fs := flags("verify", out)
	trust := fs.String("trust", "", "the trust directory or bundle file")
	policyPath := fs.String("policy", "", "a policy file (JSON) the module's capabilities must stay within")
	permissive := fs.Bool("permissive", false, "accept modules whose signatures do not stand, tainted")
	abiVersion := fs.Uint("abi", modstore.CurrentABI, "the ABI version the module must declare")
	if err := fs.Parse(args); err != nil || *trust == "" || fs.NArg() != 1 {
		return errUsage
	}
	cfg := modstore.Config{ABI: uint32(*abiVersion)}
	if *permissive {
		cfg.Mode = modstore.Permissive
	}
	if *policyPath != "" {
		b, err := os.ReadFile(*policyPath)
		if err != nil {
			return err
		}
		cfg.Policy = new(modstore.Policy)
		if err := json.Unmarshal(b, cfg.Policy); err != nil {
			return fmt.Errorf("%s: %w", *policyPath, err)
		}
	}
	s, err := openStore(*trust, cfg, out)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	v, err := s.Verify(b)
	if err != nil {
		fmt.Fprintf(out, "refused %s: %v\n", fs.Arg(0), err)
		return errRefused
	}
	m := v.Module.Manifest
	if v.Tainted {
		fmt.Fprintf(out, "tainted %s: %s %v accepted in permissive mode: %v\n", fs.Arg(0), m.Name, m.Version, v.Reason)
		return nil
	}
	fmt.Fprintf(out, "ok %s: %s %v signed by key %s\n", fs.Arg(0), m.Name, m.Version, v.Signer.ID())
	return nil
}

// moduleJSON is a module as inspect prints it.
type moduleJSON struct {
	Manifest modstore.Manifest `json:"manifest"`
	ELF      struct {
		Size   int             `json:"size"`
		SHA256 modstore.Digest `json:"sha256"`
	} `json:"elf"`
	Signers []modstore.KeyID `json:"signers"`
}

func inspect(args []string, out io.Writer) error {
	fs := flags("inspect", out)
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errUsage
	}
	b, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	var v any
	switch {
	case modstore.IsTrustDoc(b):
		docs, err := modstore.ParseDocs(b)
		if err != nil {
			return fmt.Errorf("%s: %w", fs.Arg(0), err)
		}
		v = docsJSON(docs)
	default:
		mod, err := modstore.ParseModule(b)
		if err != nil {
			return fmt.Errorf("%s: %w", fs.Arg(0), err)
		}
		j := moduleJSON{Manifest: mod.Manifest, Signers: []modstore.KeyID{}}
		j.ELF.Size, j.ELF.SHA256 = len(mod.ELF), sha256.Sum256(mod.ELF)
		for _, s := range mod.Signatures {
			j.Signers = append(j.Signers, s.Key.ID())
		}
		v = j
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err = out.Write(buf.Bytes())
	return err
}
