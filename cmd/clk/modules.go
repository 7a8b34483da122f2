//go:build clk

package main

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"clk/actor/shell"
	"clk/kernel/module"
	"clk/kernel/supctl"
	"clk/modstore"
)

// Modules: the kernel's module manager (kernel/module) over the trust
// store the initrd carries (/etc/trust, modstore), with the audit log
// (audit.go) and the configuration /etc/modules.conf, which names the
// store's mode, the policy of capabilities and the modules started at
// boot. The instances are ring-3 processes (module.Processes).

const (
	modulesConf = "/etc/modules.conf"
	trustDir    = "/etc/trust"
	// moduleStopTimeout is how long an instance has to exit after
	// ModStop before the manager kills it.
	moduleStopTimeout = 10 * time.Second
	// maxModuleFile bounds a module file read: a 64 MiB ELF and its
	// manifest and signatures.
	maxModuleFile = 64<<20 + 64<<10
)

// modulesConfig is /etc/modules.conf: a directive a line, # comments.
//
//	mode enforce|permissive
//	policy FILE
//	install FILE
//	start FILE
//	fetch-timeout DURATION
type modulesConfig struct {
	mode   modstore.Mode
	policy string
	// install are installed only: the kernel activates them when what
	// they need arrives (fatfs, the disk's block channel: storage.go).
	install      []string
	start        []string
	fetchTimeout time.Duration
}

func parseModulesConfig(text string) (modulesConfig, error) {
	var c modulesConfig
	for i, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return c, fmt.Errorf("%s:%d: want a directive and one word", modulesConf, i+1)
		}
		switch f[0] {
		case "mode":
			m, err := parseMode(f[1])
			if err != nil {
				return c, fmt.Errorf("%s:%d: %w", modulesConf, i+1, err)
			}
			c.mode = m
		case "policy":
			c.policy = f[1]
		case "install":
			c.install = append(c.install, f[1])
		case "start":
			c.start = append(c.start, f[1])
		case "fetch-timeout":
			d, err := parseFetchTimeout(f[1])
			if err != nil {
				return c, fmt.Errorf("%s:%d: %w", modulesConf, i+1, err)
			}
			c.fetchTimeout = d
		default:
			return c, fmt.Errorf("%s:%d: %q: want mode, policy, install, start or fetch-timeout", modulesConf, i+1, f[0])
		}
	}
	return c, nil
}

func parseFetchTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("fetch-timeout %q: want a duration such as 30s", s)
	}
	return d, nil
}

func parseMode(s string) (modstore.Mode, error) {
	switch s {
	case "enforce":
		return modstore.Enforce, nil
	case "permissive":
		return modstore.Permissive, nil
	}
	return 0, fmt.Errorf("mode %q: want enforce or permissive", s)
}

// modules is the kernel's module manager and what it was made from.
type modules struct {
	mgr          *module.Manager
	audit        *kernelAudit
	sys          *system
	fetchTimeout time.Duration // bounds a fetch of a module named by URL
	// sup is the kernel's end of the AI supervisor; nil without a
	// policy engine (supervisor.go).
	sup *supctl.Controller
	// boot are the module files to start once the disk has settled
	// (startAtBoot).
	boot []string
}

// startModules makes the trust store and the manager and installs the
// modules the configuration's install lines name; startAtBoot starts
// those of its start lines, once the disk's driver has started. It returns nil, having said why, when
// there is no trust store or configuration to make them from.
func startModules(sys *system, cmdline string) *modules {
	log := sys.log
	b, err := os.ReadFile(modulesConf)
	if err != nil {
		log.Printf("modules: no manager: %v", err)
		return nil
	}
	cfg, err := parseModulesConfig(string(b))
	if err != nil {
		log.Printf("modules: no manager: %v", err)
		return nil
	}
	if cfg.fetchTimeout == 0 {
		cfg.fetchTimeout = defaultFetchTimeout
	}
	for _, f := range strings.Fields(cmdline) {
		if v, ok := strings.CutPrefix(f, "clk.modules="); ok {
			if m, err := parseMode(v); err != nil {
				log.Printf("modules: command line: %v", err)
			} else {
				cfg.mode = m
			}
		}
		if v, ok := strings.CutPrefix(f, "clk.fetch-timeout="); ok {
			if d, err := parseFetchTimeout(v); err != nil {
				log.Printf("modules: command line: %v", err)
			} else {
				cfg.fetchTimeout = d
			}
		}
	}
	kaudit := newKernelAudit(log)
	scfg := modstore.Config{Mode: cfg.mode, Versions: newDiskVersions(log, kaudit)}
	if cfg.policy != "" {
		var p modstore.Policy
		b, err := os.ReadFile(cfg.policy)
		if err == nil {
			err = json.Unmarshal(b, &p)
		}
		if err != nil {
			log.Printf("modules: no manager: policy: %v", err)
			return nil
		}
		scfg.Policy = &p
	}
	docs, err := readTrust(trustDir)
	if err != nil {
		log.Printf("modules: no manager: %v", err)
		return nil
	}
	store, warnings, err := modstore.Open(docs, scfg)
	if err != nil {
		log.Printf("modules: no manager: trust store: %v", err)
		return nil
	}
	for _, w := range warnings {
		log.Printf("modules: trust store: %v", w)
	}
	m := &modules{audit: kaudit, sys: sys, fetchTimeout: cfg.fetchTimeout}
	m.mgr = module.NewManager(module.Config{
		Store:    store,
		Launcher: module.Processes{Sys: sys.procs, Console: &logLines{log: log, prefix: "module: "}},
		Auditor:  m.audit,
		// An instance told to stop may have work to finish: fatfs syncs
		// its volume, which counts the free clusters through the whole
		// FAT, seconds under TCG. Killed in the middle, it would leave
		// the volume to be repaired at the next mount.
		Timeouts: module.Timeouts{Stop: moduleStopTimeout},
	})
	log.Printf("modules: trust store of %d document(s), %v mode, root set %d", len(docs), cfg.mode, store.Root().Version)
	for _, f := range cfg.install {
		what, err := m.install(f)
		if err != nil {
			log.Printf("modules: install %s: %v", f, err)
			continue
		}
		log.Printf("modules: %s", what)
	}
	m.sup = newSupervision(m)
	m.boot = cfg.start
	return m
}

// bootFloorWait bounds how long the boot waits for the disk, and the
// version floor on it, before it starts the modules of the
// configuration: the disk's driver and file system service take about a
// second under emulation.
const bootFloorWait = 20 * time.Second

// startAtBoot installs and activates the module files of the
// configuration's start lines once the version floor on /disk can be
// checked (versions.go), so that a boot module below the floor is
// refused as any other install: at once on a machine without a disk,
// else when the disk is mounted or its file system service has failed to
// mount it, or after bootFloorWait, with the floor of this boot alone.
// It runs once the drivers have started, since the disk is mounted only
// then (its driver activates fatfs through the manager). The boot waits,
// so that what the modules' start logs comes before the shell's prompt.
func (m *modules) startAtBoot() {
	files := m.boot
	if len(files) == 0 {
		return
	}
	if m.sys.hasDisk() {
		select {
		case <-m.sys.storage.Settled():
		case <-time.After(bootFloorWait):
			m.sys.log.Printf("modules: the disk was not mounted in %v: the modules of %s start without its version floor", bootFloorWait, modulesConf)
		}
	}
	m.startFiles(files)
}

// startFiles installs and activates each of files, and says how many
// started.
func (m *modules) startFiles(files []string) {
	log := m.sys.log
	started := 0
	for _, f := range files {
		what, err := m.install(f)
		if err == nil {
			name := strings.Fields(what)[1]
			err = m.start(name)
		}
		if err != nil {
			log.Printf("modules: start %s: %v", f, err)
			continue
		}
		started++
		log.Printf("modules: %s, started", what)
	}
	log.Printf("modules: %d of the %d module(s) of %s started", started, len(files), modulesConf)
}

// readTrust reads every trust document of dir's .clkt files.
func readTrust(dir string) ([]*modstore.Doc, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("trust store: %w", err)
	}
	var docs []*modstore.Doc
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".clkt") {
			continue
		}
		b, err := os.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("trust store: %w", err)
		}
		ds, err := modstore.ParseDocs(b)
		if err != nil {
			return nil, fmt.Errorf("trust store: %s: %w", e.Name(), err)
		}
		docs = append(docs, ds...)
	}
	return docs, nil
}

// read returns the bytes of a module file, or of the body at a URL
// (fetch.go): at most maxModuleFile either way. A fetch is recorded in
// the audit log with the body's size and SHA-256, so that the log names
// where a module installed after it came from.
func (m *modules) read(src string) ([]byte, error) {
	if isURL(src) {
		b, err := m.sys.fetch(src, maxModuleFile, m.fetchTimeout)
		if err != nil {
			return nil, err
		}
		m.audit.Record("fetch", src, fmt.Sprintf("%d bytes, sha256 %x", len(b), sha256.Sum256(b)))
		return b, nil
	}
	fi, err := os.Stat(src)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxModuleFile {
		return nil, fmt.Errorf("%s: %d bytes, larger than a module file can be", src, fi.Size())
	}
	return os.ReadFile(src)
}

// install verifies and installs the module file at src and says what it
// installed: "installed NAME VERSION signed by KEY" or "... tainted: WHY".
func (m *modules) install(src string) (string, error) {
	b, err := m.read(src)
	if err != nil {
		return "", err
	}
	return m.installBytes(src, b)
}

// installBytes is install of the bytes read from src.
func (m *modules) installBytes(src string, b []byte) (string, error) {
	v, err := m.mgr.Install(b)
	if err != nil {
		return "", fmt.Errorf("%s: %w", src, err)
	}
	man := v.Module.Manifest
	if v.Tainted {
		return fmt.Sprintf("installed %s %v tainted: %v", man.Name, man.Version, v.Reason), nil
	}
	return fmt.Sprintf("installed %s %v signed by %s", man.Name, man.Version, v.Signer.ID()), nil
}

// start activates the highest installed version of name.
func (m *modules) start(name string) error {
	st, err := m.mgr.Status(name)
	if err != nil {
		return err
	}
	if len(st.Versions) == 0 {
		return fmt.Errorf("start %s: %w", name, module.ErrNoVersion)
	}
	var opt module.ActivateOptions
	if name == supModule {
		if opt.Grants, err = m.supGrants(); err != nil {
			return err
		}
	}
	return m.mgr.Activate(name, highest(st.Versions), opt)
}

// highest returns the highest of versions, compared numerically.
func highest(versions []string) string {
	return slices.MaxFunc(versions, func(a, b string) int {
		va, _ := modstore.ParseVersion(a)
		vb, _ := modstore.ParseVersion(b)
		return va.Compare(vb)
	})
}

var _ shell.Modules = (*system)(nil)

var errNoManager = errors.New("no module manager (see the kernel log)")

func (s *system) Modules() []shell.ModuleInfo {
	if s.modules == nil {
		return nil
	}
	var out []shell.ModuleInfo
	for _, st := range s.modules.mgr.List() {
		mi := shell.ModuleInfo{Name: st.Name, Version: st.Version, State: st.State.String(), PID: st.PID, Key: string(st.Signer)}
		switch {
		case st.Manifest.Name == "":
			// Never activated, or revoked: its versions forgotten.
			if st.Version == "" {
				mi.Version = strings.Join(st.Versions, ",")
			}
			mi.Key = "-"
		case mi.Key == "":
			mi.Key = "tainted"
		}
		if man := st.Manifest; man.Name != "" {
			mi.Caps = append(mi.Caps, fmt.Sprintf("memory=%dM", man.Memory>>20), fmt.Sprintf("threads=%d", man.Threads))
			for _, d := range man.Devices {
				mi.Caps = append(mi.Caps, "device="+d.String())
			}
			for _, p := range man.Provides {
				mi.Caps = append(mi.Caps, "provides="+p)
			}
			for _, u := range man.Uses {
				mi.Caps = append(mi.Caps, "uses="+u)
			}
		}
		out = append(out, mi)
	}
	return out
}

func (s *system) InstallModule(src string) (string, error) {
	if s.modules == nil {
		return "", errNoManager
	}
	return s.modules.install(src)
}

func (s *system) StartModule(name string) error {
	if s.modules == nil {
		return errNoManager
	}
	return s.modules.start(name)
}

func (s *system) StopModule(name string) error {
	if s.modules == nil {
		return errNoManager
	}
	return s.modules.mgr.Stop(name)
}

func (s *system) RevokeModule(name string) error {
	if s.modules == nil {
		return errNoManager
	}
	return s.modules.mgr.Revoke(name)
}

// ReplaceModule installs src, which must be a version of name, and
// replaces name's instance by it.
func (s *system) ReplaceModule(name, src string) (string, error) {
	if s.modules == nil {
		return "", errNoManager
	}
	m := s.modules
	b, err := m.read(src)
	if err != nil {
		return "", err
	}
	mod, err := modstore.ParseModule(b)
	if err != nil {
		return "", fmt.Errorf("%s: %w", src, err)
	}
	if mod.Manifest.Name != name {
		return "", fmt.Errorf("%s is module %s, not %s", src, mod.Manifest.Name, name)
	}
	what, err := m.installBytes(src, b)
	if err != nil {
		return "", err
	}
	ver := mod.Manifest.Version.String()
	if err := m.mgr.Replace(name, ver); err != nil {
		return "", fmt.Errorf("%s; %w", what, err)
	}
	st, _ := m.mgr.Status(name)
	return fmt.Sprintf("%s; %s %s serves (pid %d)", what, name, ver, st.PID), nil
}

func (s *system) ModuleLog() []string {
	if s.modules == nil {
		return nil
	}
	return s.modules.audit.lines()
}
