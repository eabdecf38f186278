// tiny: the smallest Go program with build info, a dependency and an inlined
// call from another module (inl.Mix). Its stripped build seeds the loader
// fuzzer (tests/fuzz/loader.sh): small inputs make more executions.
package main

import (
	"example.com/foo"
	"example.com/inl"
)

var x = 3

func main() {
	x = inl.Mix(x, 2)
	if x == 0 {
		println(foo.Foo("tiny"))
	}
}
