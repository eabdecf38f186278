// Package sub is example.com/yaml.v3/sub: the dotted element is not the last
// one here, so names are not escaped: "example.com/yaml.v3/sub.Key".
package sub

import "strings"

//go:noinline
func Key(k string) string { return strings.ToLower(k) }
