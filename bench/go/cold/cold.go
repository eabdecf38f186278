// Package benchcold stands for a third-party module that runs once at start
// (reads a configuration file) and is never on the hot path: the module
// bench/enforce.sh confines in the realistic workload.
package benchcold

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

// Banner reads path (e.g. /etc/hostname) and returns its first line, or
// "denied" when the open failed with EPERM (the jail at work), or "error".
//
//go:noinline
func Banner(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, syscall.EPERM) {
			return "denied"
		}
		return "error"
	}
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		s = "empty"
	}
	return "ok"
}
