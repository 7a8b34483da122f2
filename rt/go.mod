// The port's files are parts of the Go tree (rt/src is copied over GOROOT/src
// by scripts/toolchain.sh), not packages of module clk. This file keeps them
// out of clk's ./... patterns.
module clk/rt

go 1.26
