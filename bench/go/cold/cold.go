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

// Banner reads path (e.g. /etc/hostname) and returns "ok" (or "empty"),
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
	if strings.TrimSpace(string(b)) == "" {
		return "empty"
	}
	return "ok"
}
