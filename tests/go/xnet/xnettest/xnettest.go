// Package xnettest is a local stand-in for module golang.org/x/net. The
// standard library vendors its own copy of x/net (functions named
// "vendor/golang.org/x/net/dns/dnsmessage...", linked in through package
// net): that copy is standard library and must not be attributed to this
// module, even though the binary depends on a module of that path.
package xnettest

//go:noinline
func Hello(s string) string { return "x/net(" + s + ")" }
