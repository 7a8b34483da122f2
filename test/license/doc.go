// Package license checks the licences of the tree and of what it links: the
// project's own code is under the Apache License 2.0 (LICENSE), the Go
// runtime port under Go's BSD licence (rt/LICENSE), and every module the
// tree's packages import carries a licence file of a kind the project may
// ship in its images (Apache-2.0, BSD, MIT). The test runs the host's go
// command over the tree, so the modules must be in the module cache.
package license
