//go:build !clk

package x86

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// runtimeDir holds the runtime port's sources, seen from this package.
var runtimeDir = filepath.Join("..", "..", "rt", "src", "runtime")

// field is one field of a struct as laid out for amd64.
type field struct {
	name         string
	offset, size int64
}

// runtimeDecls type-checks the named struct types and constants of the
// runtime's files, alone (they use only basic types, literals and each
// other), with gc's sizes for amd64.
func runtimeDecls(t *testing.T, files []string, names ...string) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	var decls []ast.Decl
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(runtimeDir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, s := range gd.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if _, ok := s.Type.(*ast.StructType); ok && wanted(s.Name.Name, names) {
						decls = append(decls, &ast.GenDecl{Tok: token.TYPE, Specs: []ast.Spec{s}})
					}
				case *ast.ValueSpec:
					// Only constants with a value of their own: an
					// iota group's later lines are left out.
					if gd.Tok == token.CONST && len(s.Values) == len(s.Names) {
						for i, n := range s.Names {
							if wanted(n.Name, names) {
								decls = append(decls, &ast.GenDecl{Tok: token.CONST, Specs: []ast.Spec{
									&ast.ValueSpec{Names: []*ast.Ident{n}, Values: []ast.Expr{s.Values[i]}},
								}})
							}
						}
					}
				}
			}
		}
	}
	pkg, err := (&types.Config{
		Importer: importer.Default(),
		Sizes:    types.SizesFor("gc", "amd64"),
	}).Check("runtime", fset, []*ast.File{{Name: ast.NewIdent("runtime"), Decls: decls}}, nil)
	if err != nil {
		t.Fatalf("type-checking the runtime's declarations: %v", err)
	}
	for _, n := range names {
		if pkg.Scope().Lookup(n) == nil {
			t.Fatalf("no declaration of %s in %s", n, strings.Join(files, ", "))
		}
	}
	return pkg
}

// runtimeLayout returns the fields of the runtime's named struct types
// with the offsets gc gives them on amd64, and each one's size last. Names
// of constants the structs use may be among names; they are left out of
// the result.
func runtimeLayout(t *testing.T, files []string, names ...string) map[string][]field {
	t.Helper()
	pkg := runtimeDecls(t, files, names...)
	sizes := types.SizesFor("gc", "amd64")
	out := make(map[string][]field)
	for _, name := range names {
		st, ok := pkg.Scope().Lookup(name).Type().Underlying().(*types.Struct)
		if !ok {
			continue
		}
		vars := make([]*types.Var, st.NumFields())
		for i := range vars {
			vars[i] = st.Field(i)
		}
		offsets := sizes.Offsetsof(vars)
		for i, v := range vars {
			out[name] = append(out[name], field{v.Name(), offsets[i], sizes.Sizeof(v.Type())})
		}
		out[name] = append(out[name], field{"(size)", sizes.Sizeof(st), 0})
	}
	return out
}

func wanted(name string, names []string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// kernelLayout returns the fields of v's struct type as this build lays
// them out, with the total size last as runtimeLayout does.
func kernelLayout(v any) []field {
	t := reflect.TypeOf(v)
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		out = append(out, field{f.Name, int64(f.Offset), int64(f.Type.Size())})
	}
	return append(out, field{"(size)", int64(t.Size()), 0})
}

// layoutDiffs returns the differences between the runtime's fields and
// the kernel's mirror. Names match without regard to case, except where
// rename maps a runtime name to the kernel's; a blank kernel field stands
// for the runtime's private fields it covers exactly.
func layoutDiffs(what string, rt, k []field, rename map[string]string) []string {
	var diffs []string
	errorf := func(format string, args ...any) {
		diffs = append(diffs, what+": "+fmt.Sprintf(format, args...))
	}
	kernelAt := make(map[int64]field)
	for _, f := range k {
		if f.name != "(size)" {
			kernelAt[f.offset] = f
		}
	}
	var blankEnd int64 = -1
	for _, r := range rt {
		if r.name == "(size)" {
			if ks := k[len(k)-1]; ks.offset != r.offset {
				errorf("the kernel's type is %d bytes, the runtime's %d", ks.offset, r.offset)
			}
			continue
		}
		if r.offset+r.size <= blankEnd {
			continue // inside a blank kernel field
		}
		kf, ok := kernelAt[r.offset]
		switch {
		case !ok:
			errorf("the runtime's %s (offset %d) has no kernel field at that offset", r.name, r.offset)
		case kf.name == "_":
			blankEnd = kf.offset + kf.size
			if r.offset+r.size > blankEnd {
				errorf("the runtime's %s (offset %d, %d bytes) overruns the blank kernel field", r.name, r.offset, r.size)
			}
		case rename[r.name] != "" && kf.name != rename[r.name],
			rename[r.name] == "" && !strings.EqualFold(kf.name, r.name):
			errorf("at offset %d the runtime has %s, the kernel %s", r.offset, r.name, kf.name)
		case kf.size != r.size:
			errorf("%s is %d bytes in the runtime, %d in the kernel", r.name, r.size, kf.size)
		}
	}
	// Every kernel field must stand on a runtime one.
	rtAt := make(map[int64]bool)
	for _, r := range rt {
		rtAt[r.offset] = true
	}
	for _, f := range k {
		if f.name != "(size)" && !rtAt[f.offset] {
			errorf("the kernel's %s (offset %d) has no runtime field at that offset", f.name, f.offset)
		}
	}
	return diffs
}

func TestTrapFrameMatchesTheRuntimes(t *testing.T) {
	rt := runtimeLayout(t, []string{"trap_clk_amd64.go"}, "clkTrapFrame")
	for _, d := range layoutDiffs("TrapFrame", rt["clkTrapFrame"], kernelLayout(TrapFrame{}), nil) {
		t.Error(d)
	}
}

func TestUserContextMatchesTheRuntimes(t *testing.T) {
	rt := runtimeLayout(t, []string{"trap_clk_amd64.go", "enteruser_clk_amd64.go", "fpu_clk_amd64.go"}, "clkTrapFrame", "clkUserCtx", "clkFPUAreaSize")
	for _, d := range layoutDiffs("UserContext", rt["clkUserCtx"], kernelLayout(UserContext{}), map[string]string{"frame": "TrapFrame"}) {
		t.Error(d)
	}
}

// TestLayoutCheckSeesADrift makes sure the comparison can fail: a runtime
// frame with two registers swapped is refused.
func TestLayoutCheckSeesADrift(t *testing.T) {
	rt := runtimeLayout(t, []string{"trap_clk_amd64.go"}, "clkTrapFrame")
	swapped := append([]field(nil), rt["clkTrapFrame"]...)
	swapped[0].name, swapped[1].name = swapped[1].name, swapped[0].name
	if len(layoutDiffs("TrapFrame", swapped, kernelLayout(TrapFrame{}), nil)) == 0 {
		t.Error("a frame with R15 and R14 swapped passed the comparison")
	}
}

// TestConstantsMatchTheRuntimes checks the numbers this package shares
// with the runtime without a way to import them: the user range, the
// reasons a thread leaves ring 3, the page-table and page-fault bits.
func TestConstantsMatchTheRuntimes(t *testing.T) {
	pairs := []struct {
		runtime string
		kernel  uint64
	}{
		{"clkUserBase", UserBase},
		{"clkVecSyscall", VecSyscall},
		{"clkVecFirstIRQ", VecFirstIRQ},
		{"vecDivide", VecDivide},
		{"vecGP", VecGeneralProt},
		{"vecPageFault", VecPageFault},
		{"pteP", ptePresent},
		{"pteW", pteWritable},
		{"pteU", pteUser},
		{"pteNX", pteNoExec},
		{"ptePWT", ptePWT},
		{"ptePCD", ptePCD},
		{"pteAddrMask", pteAddrMask},
		{"pfPresent", pfErrPresent},
		{"pfWrite", pfErrWrite},
		{"pfFetch", pfErrInstrFetch},
		{"clkFPUAreaSize", fpuAreaSize},
	}
	var names []string
	for _, p := range pairs {
		names = append(names, p.runtime)
	}
	pkg := runtimeDecls(t, []string{"enteruser_clk_amd64.go", "cpu_clk_amd64.go", "trap_clk_amd64.go", "mem_clk.go", "fpu_clk_amd64.go"}, names...)
	for _, p := range pairs {
		v, ok := constant.Uint64Val(pkg.Scope().Lookup(p.runtime).(*types.Const).Val())
		if !ok || v != p.kernel {
			t.Errorf("the runtime's %s is %v, the kernel's copy %#x", p.runtime, pkg.Scope().Lookup(p.runtime).(*types.Const).Val(), p.kernel)
		}
	}
}
