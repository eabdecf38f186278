// Package yaml lives in module example.com/yaml.v3: the dot in the last path
// element is escaped in symbol names, so its functions are named
// "example.com/yaml%2ev3.Marshal", "example.com/yaml%2ev3.(*Encoder).Encode".
package yaml

import (
	"fmt"
	"strings"

	"example.com/yaml.v3/sub"
)

type Encoder struct {
	b strings.Builder
}

//go:noinline
func (e *Encoder) Encode(k string, v interface{}) {
	fmt.Fprintf(&e.b, "%s: %v\n", k, v)
}

//go:noinline
func (e Encoder) String() string { return e.b.String() }

// Marshal renders a flat map; the closure is "Marshal.func1".
//
//go:noinline
func Marshal(m map[string]int) string {
	var e Encoder
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys, func(a, b string) bool { return a < b })
	for _, k := range keys {
		e.Encode(sub.Key(k), m[k])
	}
	return e.String()
}

//go:noinline
func sortStrings(s []string, less func(a, b string) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
