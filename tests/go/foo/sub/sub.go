// Package sub is the nested module example.com/foo/sub.
package sub

//go:noinline
func Sub(s string) string { return "foo/sub(" + s + ")" }
