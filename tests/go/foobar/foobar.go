// Package foobar is module example.com/foobar: a prefix of its path is
// example.com/foo, but it is not inside that module.
package foobar

//go:noinline
func FooBar(s string) string { return "foobar(" + s + ")" }
