// Package foo is module example.com/foo. Its directory also holds the nested
// module example.com/foo/sub, and module example.com/foobar shares its prefix:
// neither belongs to example.com/foo.
package foo

//go:noinline
func Foo(s string) string { return "foo(" + s + ")" }
